import { canonicalJson } from '../../../lib/canonical-json';
import { describe, isPlainObject, type JsonValue } from './json';

/** A decision input the caller sent that cannot be evaluated; `path` names the attribute (`device.ageDays`, `tags[2]`). */
export class DecisionInputError extends Error {
  override readonly name = 'DecisionInputError';

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || 'input'}: ${problem}`);
  }
}

export interface InputLimits {
  /** UTF-8 bytes of the input's canonical JSON (what its input hash is computed over). */
  maxBytes: number;
  /** Nesting of objects and arrays; the input object itself is level 1. */
  maxDepth: number;
  /** Attribute names, counted over every nested object. */
  maxKeys: number;
}

export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = { maxBytes: 16 * 1024, maxDepth: 5, maxKeys: 200 };

/**
 * Checks a decision input and returns it, typed. Accepted: a plain object
 * whose values are strings, finite numbers, booleans, null, arrays of those,
 * or nested objects of the same. Attribute names must be non-empty and free
 * of "." because conditions address nested attributes with dotted paths, and
 * a dotted name could not be told apart from a nested one.
 *
 * Members are visited in canonical (sorted) order and the walk stops at the
 * first problem, so the same input gives the same error whatever its key
 * order, and an oversized input costs no more than the limit to reject.
 */
export function validateDecisionInput(input: unknown, opts: Partial<InputLimits> = {}): Record<string, JsonValue> {
  const limits = { ...DEFAULT_INPUT_LIMITS, ...opts };
  if (!isPlainObject(input)) fail('', `expected a JSON object, got ${describe(input)}`);
  let bytes = 0;
  let keys = 0;

  const grow = (size: number, path: string): void => {
    bytes += size;
    if (bytes > limits.maxBytes) fail(path, `input exceeds ${limits.maxBytes} bytes of canonical JSON`);
  };

  const visit = (value: unknown, path: string, depth: number): void => {
    if (isLeaf(value)) return grow(utf8Bytes(canonicalJson(value)), path);
    if (typeof value === 'number') fail(path, `${value} is not a JSON number`);
    if (!Array.isArray(value) && !isPlainObject(value)) {
      fail(path, `expected a string, number, boolean, null, array or object, got ${describe(value)}`);
    }
    if (depth > limits.maxDepth) fail(path, `nested deeper than ${limits.maxDepth} levels`);
    if (Array.isArray(value)) {
      grow(2 + Math.max(0, value.length - 1), path); // brackets and commas
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (!isLeaf(item)) fail(`${path}[${i}]`, `array items must be strings, finite numbers, booleans or null, got ${describe(item)}`);
        grow(utf8Bytes(canonicalJson(item)), `${path}[${i}]`);
      }
      return;
    }
    const names = Object.keys(value);
    keys += names.length;
    if (keys > limits.maxKeys) fail(path, `more than ${limits.maxKeys} attributes in total`);
    grow(2 + Math.max(0, names.length - 1), path); // braces and commas
    for (const name of names.sort()) {
      if (name === '' || name.includes('.')) fail(path, `attribute name ${describe(name)} must be non-empty and contain no "."`);
      const child = path ? `${path}.${name}` : name;
      grow(utf8Bytes(canonicalJson(name)) + 1, child); // quoted name and colon
      visit(value[name], child, depth + 1);
    }
  };

  visit(input, '', 1);
  return input as Record<string, JsonValue>;
}

function isLeaf(value: unknown): value is string | number | boolean | null {
  return value === null || typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}

function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

function fail(path: string, problem: string): never {
  throw new DecisionInputError(path, problem);
}
