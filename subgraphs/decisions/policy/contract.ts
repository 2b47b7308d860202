import { isPlainObject } from './json';
import type { Condition, ConditionGroup, Policy, Scalar } from './types';

/** A policy and its input schema that do not fit together; `path` points into the policy (`rules[2].when.all[0]`). */
export class FeatureContractError extends Error {
  override readonly name = 'FeatureContractError';

  constructor(readonly problems: ReadonlyArray<{ path: string; field: string; problem: string }>) {
    super(problems.map((p) => `${p.path} (${p.field}): ${p.problem}`).join('; '));
  }
}

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'array' | 'object' | 'null';

/**
 * Checks, when a feature version is loaded, that its policy reads only what
 * its input schema declares, and compares each field with values of the
 * type the schema gives it. A policy reading an undeclared field (a typo, or
 * a field a later schema dropped) would see it absent on every decision;
 * a number compared with "80" would never be decided. Both are authoring
 * errors, refused before any decision is made with them.
 */
export function checkFeatureContract(policy: Policy, schema: unknown): void {
  const problems: Array<{ path: string; field: string; problem: string }> = [];
  const visit = (group: ConditionGroup, path: string): void => {
    const [key, members] = 'all' in group ? (['all', group.all] as const) : (['any', group.any] as const);
    members.forEach((member, i) => {
      const at = `${path}.${key}[${i}]`;
      if ('field' in member) {
        const problem = conditionProblem(member, schema);
        if (problem) problems.push({ path: at, field: member.field, problem });
      } else visit(member, at);
    });
  };
  policy.rules.forEach((rule, i) => visit(rule.when, `rules[${i}].when`));
  if (problems.length) throw new FeatureContractError(problems);
}

function conditionProblem({ field, op, value }: Condition, schema: unknown): string | null {
  const declared = propertyAt(schema, field);
  if (!declared) return 'the input schema does not declare this field';
  if (op === 'exists') return null;
  const types = typesOf(declared);
  if (types.length === 0) return 'the input schema gives this field no type (type or enum)';
  const values: readonly Scalar[] = Array.isArray(value) ? value : [value as Scalar];
  if (op === 'eq' || op === 'neq') {
    if (Array.isArray(value)) return types.includes('array') ? null : `${op} compares with an array, but the field is ${types.join(' or ')}`;
  }
  for (const item of values) {
    if (!types.some((type) => fits(type, item))) return `${op} compares with ${JSON.stringify(item)}, but the field is ${types.join(' or ')}`;
  }
  return null;
}

/** The subschema of a dotted path, walking `properties` of object schemas; null when undeclared. */
function propertyAt(schema: unknown, path: string): Record<string, unknown> | null {
  let current: unknown = schema;
  for (const segment of path.split('.')) {
    if (!isPlainObject(current) || !isPlainObject(current.properties) || !Object.hasOwn(current.properties, segment)) return null;
    current = current.properties[segment];
  }
  return isPlainObject(current) ? current : null;
}

function typesOf(property: Record<string, unknown>): JsonType[] {
  const { type } = property;
  if (typeof type === 'string') return [type as JsonType];
  if (Array.isArray(type)) return type as JsonType[];
  if (Array.isArray(property.enum)) {
    return [...new Set(property.enum.map((v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : (typeof v as JsonType))))];
  }
  return [];
}

function fits(type: JsonType, value: Scalar): boolean {
  switch (type) {
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return false;
  }
}
