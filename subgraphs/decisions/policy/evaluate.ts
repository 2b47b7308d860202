import type { JsonValue } from './json';
import type { Condition, ConditionGroup, Outcome, Policy, Scalar } from './types';

export interface Evaluation {
  outcome: Outcome;
  confidence: number;
  /** Reason codes, most decisive first: 1 to MAX_REASONS of them. */
  reasons: string[];
  /** The rule that decided, or null when the default applied. */
  matchedRuleId: string | null;
  /** Every rule, in policy order, with whether its condition held. */
  trace: Array<{ ruleId: string; matched: boolean }>;
}

/** Decisions carry one to three reason codes (as the demo data does). */
export const MAX_REASONS = 3;

/**
 * Evaluates a policy (from parsePolicy, or typed code) against a decision
 * input (from validateDecisionInput). Pure and deterministic: it reads fields
 * by path and never iterates the input, so key order cannot matter.
 *
 * - Rules are ordered and the first whose condition holds decides outcome,
 *   confidence and first reason; if none holds, `default` decides and the
 *   reasons are its reason alone. Every rule is still evaluated, for the
 *   trace and for the further reasons: those of later rules that also held
 *   and give the same outcome, in rule order, without repeats, MAX_REASONS
 *   in all. The default's reason never joins a rule's.
 * - `field` is a dotted path through nested objects (`device.ageDays`); a
 *   segment that meets a non-object, an array or a missing key makes the
 *   field missing. A null value counts as missing too.
 * - A missing field fails every condition except `exists: false`, which is
 *   exactly "missing". In particular neq and nin do not hold for it.
 * - No coercion: a condition holds only between values of the same type, so
 *   "80" is not gte 79 and neq/nin are false on a type mismatch too (neq is
 *   "present, same type, different value", not the negation of eq).
 * - eq/neq with an array value compare a field that is an array item by item
 *   in order (canonical-JSON equality, since policy arrays hold scalars); an
 *   object field never equals anything.
 * - lt/lte/gt/gte order numbers numerically and strings by UTF-16 code unit
 *   (so ISO-8601 dates in one format compare chronologically); booleans,
 *   arrays and objects have no order.
 * - in: the field is a scalar strictly equal to a list item. nin: the field is
 *   a scalar of the list's item type equal to none of them.
 * - `all: []` holds, `any: []` does not; groups nest.
 */
export function evaluatePolicy(policy: Policy, input: Record<string, JsonValue>): Evaluation {
  const trace = policy.rules.map((rule) => ({ ruleId: rule.id, matched: groupHolds(rule.when, input) }));
  const first = trace.findIndex((step) => step.matched);
  if (first === -1) {
    const { outcome, confidence, reason } = policy.default;
    return { outcome, confidence, reasons: [reason], matchedRuleId: null, trace };
  }
  const decisive = policy.rules[first]!;
  const reasons: string[] = [];
  for (let i = first; i < policy.rules.length && reasons.length < MAX_REASONS; i++) {
    const rule = policy.rules[i]!;
    if (trace[i]!.matched && rule.outcome === decisive.outcome && !reasons.includes(rule.reason)) reasons.push(rule.reason);
  }
  return { outcome: decisive.outcome, confidence: decisive.confidence, reasons, matchedRuleId: decisive.id, trace };
}

function groupHolds(group: ConditionGroup, input: Record<string, JsonValue>): boolean {
  const holds = (member: Condition | ConditionGroup): boolean =>
    'field' in member ? conditionHolds(member, input) : groupHolds(member, input);
  return 'all' in group ? group.all.every(holds) : group.any.some(holds);
}

function conditionHolds({ field, op, value }: Condition, input: Record<string, JsonValue>): boolean {
  const actual = lookup(input, field);
  if (op === 'exists') return (actual !== undefined) === value;
  if (actual === undefined) return false;
  switch (op) {
    case 'eq':
      return sameKind(actual, value) && equal(actual, value);
    case 'neq':
      return sameKind(actual, value) && !equal(actual, value);
    case 'lt':
      return order(actual, value) < 0;
    case 'lte':
      return order(actual, value) <= 0;
    case 'gt':
      return order(actual, value) > 0;
    case 'gte':
      return order(actual, value) >= 0;
    case 'in':
      return isList(value) && isScalar(actual) && value.includes(actual);
    case 'nin':
      return isList(value) && isScalar(actual) && value.some((item) => typeof item === typeof actual) && !value.includes(actual);
  }
}

/** The value at a dotted path, or undefined when it is missing or null. */
function lookup(input: Record<string, JsonValue>, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = input;
  for (const segment of path.split('.')) {
    // hasOwn, so `constructor` or `__proto__` never reach Object.prototype.
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current ?? undefined;
}

function sameKind(actual: JsonValue, expected: Condition['value']): boolean {
  return isList(expected) ? Array.isArray(actual) : typeof actual === typeof expected;
}

function equal(actual: JsonValue, expected: Condition['value']): boolean {
  if (!isList(expected)) return actual === expected;
  return Array.isArray(actual) && actual.length === expected.length && actual.every((item, i) => item === expected[i]);
}

/** Sign of actual minus expected; NaN when they have no common order, which fails every comparison. */
function order(actual: JsonValue, expected: Condition['value']): number {
  if ((typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string')) {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  return NaN;
}

function isObject(value: JsonValue | undefined): value is { [key: string]: JsonValue } {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isScalar(value: JsonValue): value is Scalar {
  return typeof value !== 'object';
}

function isList(value: Condition['value']): value is readonly Scalar[] {
  return Array.isArray(value);
}
