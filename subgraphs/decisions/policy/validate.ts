import { describe, isPlainObject } from './json';
import type { Condition, ConditionGroup, ConditionOp, Outcome, Policy, PolicyRule, Scalar, Verdict } from './types';

/** A stored policy that does not follow the format; `path` points into the policy JSON. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || 'policy'}: ${problem}`);
  }
}

/** Bounds the evaluator's recursion; real policies nest one or two levels. */
export const MAX_GROUP_DEPTH = 5;

// Records rather than arrays so the compiler proves they list every member of the union.
const OUTCOMES: Record<Outcome, true> = { APPROVE: true, DECLINE: true, REVIEW: true, CHALLENGE: true };
const OPS: Record<ConditionOp, true> = {
  eq: true,
  neq: true,
  lt: true,
  lte: true,
  gt: true,
  gte: true,
  in: true,
  nin: true,
  exists: true,
};

/**
 * Checks JSON (as stored with a package version) against the policy format
 * and returns a fresh copy typed as a Policy, or throws a PolicyError naming
 * the first offending path, e.g. `rules[2].when.all[0].op: unknown operator "gtx"`.
 * `incomplete` is required: what the policy decides when evidence is absent.
 * Strict: unknown keys are refused (a misspelt key would otherwise be
 * silently ignored), rule ids must be unique, and each operator's value must
 * have the shape documented on Condition, with in/nin lists non-empty and of
 * one type.
 */
export function parsePolicy(json: unknown): Policy {
  const root = record(json, '', ['version', 'rules', 'incomplete', 'default']);
  if (root.version !== 2) {
    // Version 1 let absent evidence fall through to the default (see Policy).
    fail('version', `expected 2 (version 1 policies do not say what they decide on incomplete evidence), got ${describe(root.version)}`);
  }
  const firstIndexOfId = new Map<string, number>();
  const rules = list(root.rules, 'rules').map((value, i) => {
    const rule = parseRule(value, `rules[${i}]`);
    const earlier = firstIndexOfId.get(rule.id);
    if (earlier !== undefined) fail(`rules[${i}].id`, `duplicate rule id "${rule.id}" (also rules[${earlier}])`);
    firstIndexOfId.set(rule.id, i);
    return rule;
  });
  return { version: 2, rules, incomplete: verdict(root.incomplete, 'incomplete'), default: verdict(root.default, 'default') };
}

function verdict(value: unknown, path: string): Verdict {
  const fields = record(value, path, ['outcome', 'confidence', 'reason']);
  return {
    outcome: outcome(fields.outcome, `${path}.outcome`),
    confidence: confidence(fields.confidence, `${path}.confidence`),
    reason: text(fields.reason, `${path}.reason`),
  };
}

function parseRule(value: unknown, path: string): PolicyRule {
  const rule = record(value, path, ['id', 'when', 'outcome', 'confidence', 'reason']);
  return {
    id: text(rule.id, `${path}.id`),
    when: parseGroup(record(rule.when, `${path}.when`), `${path}.when`, 1),
    outcome: outcome(rule.outcome, `${path}.outcome`),
    confidence: confidence(rule.confidence, `${path}.confidence`),
    reason: text(rule.reason, `${path}.reason`),
  };
}

function parseGroup(group: Record<string, unknown>, path: string, depth: number): ConditionGroup {
  const keys = Object.keys(group);
  if (keys.length !== 1 || (keys[0] !== 'all' && keys[0] !== 'any')) {
    const got = keys.length === 0 ? 'no keys' : keys.map((k) => `"${k}"`).join(', ');
    fail(path, `expected exactly one of "all" or "any", got ${got}`);
  }
  if (depth > MAX_GROUP_DEPTH) fail(path, `condition groups nest deeper than ${MAX_GROUP_DEPTH} levels`);
  const key = keys[0] as 'all' | 'any';
  const members = list(group[key], `${path}.${key}`).map((member, i) => {
    const memberPath = `${path}.${key}[${i}]`;
    const object = record(member, memberPath);
    const isGroup = Object.hasOwn(object, 'all') || Object.hasOwn(object, 'any');
    return isGroup ? parseGroup(object, memberPath, depth + 1) : parseCondition(object, memberPath);
  });
  return key === 'all' ? { all: members } : { any: members };
}

function parseCondition(value: Record<string, unknown>, path: string): Condition {
  const condition = record(value, path, ['field', 'op', 'value']);
  const field = text(condition.field, `${path}.field`);
  // Matches the lookup in evaluate.ts: the path splits on every dot.
  if (field.split('.').includes('')) fail(`${path}.field`, `empty segment in field path "${field}"`);
  const op = condition.op;
  if (typeof op !== 'string') fail(`${path}.op`, `expected an operator name, got ${describe(op)}`);
  if (!Object.hasOwn(OPS, op)) fail(`${path}.op`, `unknown operator ${describe(op)}`);
  return { field, op: op as ConditionOp, value: operand(op as ConditionOp, condition.value, `${path}.value`) };
}

function operand(op: ConditionOp, value: unknown, path: string): Condition['value'] {
  switch (op) {
    case 'exists':
      if (typeof value !== 'boolean') fail(path, `exists takes true or false, got ${describe(value)}`);
      return value;
    case 'lt':
    case 'lte':
    case 'gt':
    case 'gte':
      if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
      return fail(path, `${op} compares with a number or a string, got ${describe(value)}`);
    case 'in':
    case 'nin': {
      if (!Array.isArray(value) || value.length === 0) fail(path, `${op} takes a non-empty array, got ${describe(value)}`);
      const items = value.map((item, i) => scalar(item, `${path}[${i}]`));
      // A mixed list is an authoring mistake (["1", 1]), and would blur nin's "same type" rule.
      items.forEach((item, i) => {
        if (typeof item !== typeof items[0]) fail(`${path}[${i}]`, `expected a ${typeof items[0]} like ${path}[0], got ${describe(item)}`);
      });
      return items;
    }
    case 'eq':
    case 'neq':
      return Array.isArray(value) ? value.map((item, i) => scalar(item, `${path}[${i}]`)) : scalar(value, path);
  }
}

function scalar(value: unknown, path: string): Scalar {
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  return fail(path, `expected a string, a finite number or a boolean, got ${describe(value)}`);
}

function outcome(value: unknown, path: string): Outcome {
  if (typeof value === 'string' && Object.hasOwn(OUTCOMES, value)) return value as Outcome;
  return fail(path, `expected one of ${Object.keys(OUTCOMES).join(', ')}, got ${describe(value)}`);
}

function confidence(value: unknown, path: string): number {
  if (typeof value === 'number' && value >= 0 && value <= 1) return value;
  return fail(path, `expected a number from 0 to 1, got ${describe(value)}`);
}

function text(value: unknown, path: string): string {
  if (typeof value === 'string' && value !== '') return value;
  return fail(path, `expected a non-empty string, got ${describe(value)}`);
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) fail(path, `expected an array, got ${describe(value)}`);
  return value;
}

/** A plain object; with `keys`, exactly those keys. */
function record(value: unknown, path: string, keys?: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(value)) fail(path, `expected an object, got ${describe(value)}`);
  if (keys) {
    const unknown = Object.keys(value).find((key) => !keys.includes(key));
    if (unknown !== undefined) fail(path, `unknown key "${unknown}"`);
    const missing = keys.find((key) => !Object.hasOwn(value, key));
    if (missing !== undefined) fail(path ? `${path}.${missing}` : missing, 'is required');
  }
  return value;
}

function fail(path: string, problem: string): never {
  throw new PolicyError(path, problem);
}
