import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { canonicalJson } from '../../../lib/canonical-json';
import { sha256Hex } from '../../../lib/hash';
import { describe, isPlainObject, type JsonValue } from './json';

/**
 * A feature version's attribute contract: a JSON Schema (draft 2020-12)
 * stored with the version. Decisions validate their attributes against it
 * before any rule runs, so a missing, null, wrong-typed or undeclared
 * attribute is refused instead of quietly failing every condition.
 */
export type InputSchema = { [key: string]: JsonValue };

/** One thing wrong with a caller's attributes: `field` is a dotted path (`device.ageDays`, `tags[2]`), empty for the whole object. */
export interface AttributeProblem {
  field: string;
  problem: string;
}

/** A stored input schema that cannot serve as a contract; `problem` says why. */
export class InputSchemaError extends Error {
  override readonly name = 'InputSchemaError';
}

/** Checks attributes against one compiled schema: the problems found, in a stable order, or none. */
export type AttributesValidator = (attributes: Record<string, JsonValue>) => AttributeProblem[];

/** A caller sending hundreds of bad fields gets this many problems back; the rest would repeat the lesson. */
export const MAX_PROBLEMS = 50;

/**
 * One ajv instance for every schema: strict (an unknown keyword, or
 * `required` naming an undeclared property, is an authoring mistake and
 * refuses the schema), allErrors (a client learns every problem at once;
 * inputs are bounded to 16 KB and 200 keys before they get here). No
 * coercion and no defaults: the schema judges what the caller sent, it
 * never rewrites it. verbose, so a problem can name the kind of value sent.
 */
function newAjv(): Ajv2020 {
  return new Ajv2020({ strict: true, allErrors: true, verbose: true, coerceTypes: false, useDefaults: false, removeAdditional: false, validateFormats: false });
}

/**
 * Compiles a stored schema into a validator, or throws InputSchemaError.
 * Beyond what ajv checks, a contract must describe an object whose
 * properties are all declared (`additionalProperties: false`), so an
 * unknown or misspelt attribute is refused rather than silently ignored.
 */
export function compileInputSchema(schema: unknown, ajv: Ajv2020 = newAjv()): AttributesValidator {
  if (!isPlainObject(schema)) throw new InputSchemaError(`an input schema is a JSON object, got ${describe(schema)}`);
  if (schema.type !== 'object') throw new InputSchemaError('an input schema describes an object (type: "object")');
  if (schema.additionalProperties !== false) throw new InputSchemaError('an input schema refuses undeclared attributes (additionalProperties: false)');
  if (!isPlainObject(schema.properties)) throw new InputSchemaError('an input schema declares its attributes (properties)');
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new InputSchemaError(`not a valid JSON Schema 2020-12: ${(error as Error).message}`);
  }
  return (attributes) => (validate(attributes) ? [] : problemsOf(validate.errors ?? []));
}

/**
 * Compiled validators by schema content, so each feature version's schema is
 * compiled once per process (ajv's own cache is keyed by object identity,
 * and each database read makes a new object). Feature versions are immutable,
 * so the map only grows with the number of versions installed.
 */
export class InputSchemaCache {
  private readonly ajv = newAjv();
  private readonly compiled = new Map<string, AttributesValidator>();

  validatorFor(schema: unknown): AttributesValidator {
    const key = sha256Hex(canonicalJson(schema));
    let validator = this.compiled.get(key);
    if (!validator) this.compiled.set(key, (validator = compileInputSchema(schema, this.ajv)));
    return validator;
  }
}

function problemsOf(errors: readonly ErrorObject[]): AttributeProblem[] {
  const seen = new Set<string>();
  const problems: AttributeProblem[] = [];
  for (const error of errors) {
    const problem = problemOf(error);
    const key = `${problem.field}\u0000${problem.problem}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  // ajv reports in schema order; sorted, the same input always reads the same.
  problems.sort((a, b) => (a.field < b.field ? -1 : a.field > b.field ? 1 : a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : 0));
  return problems.slice(0, MAX_PROBLEMS);
}

/** An ajv error as a client should read it. Values the caller sent are named by kind only, never echoed. */
function problemOf(error: ErrorObject): AttributeProblem {
  const at = fieldOf(error.instancePath);
  const params = error.params as Record<string, unknown>;
  const child = (name: unknown) => (at ? `${at}.${String(name)}` : String(name));
  switch (error.keyword) {
    case 'required':
      return { field: child(params.missingProperty), problem: 'is required' };
    case 'additionalProperties':
      return { field: child(params.additionalProperty), problem: 'is not an attribute this feature declares' };
    case 'type':
      return { field: at, problem: `must be ${article(String(params.type))}, got ${kindOf(error.data)}` };
    case 'enum':
      return { field: at, problem: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (exactly, case included)` };
    case 'const':
      return { field: at, problem: `must be ${JSON.stringify(params.allowedValue)}` };
    default:
      return { field: at, problem: error.message ?? `fails ${error.keyword}` };
  }
}

/** `/device/ageDays` to `device.ageDays`, `/tags/2` to `tags[2]` (RFC 6901 escapes undone). */
function fieldOf(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function article(type: string): string {
  const kinds = type.split(',');
  const named = kinds.map((kind) => (kind === 'null' ? 'null' : kind === 'integer' ? 'an integer' : kind === 'object' || kind === 'array' ? `an ${kind}` : `a ${kind}`));
  return named.join(' or ');
}
