import type { JsonValue } from './json';
import type { Condition, ConditionGroup, Outcome, Policy, Scalar } from './types';

/**
 * What a condition says about an input, in three-valued (Kleene) logic:
 * `null` is "cannot tell", because the field it reads is absent, null, or not
 * of a kind its operator compares. Absent evidence is not false evidence.
 */
export type Truth = boolean | null;

export interface Evaluation {
  outcome: Outcome;
  confidence: number;
  /** Reason codes, most decisive first: 1 to MAX_REASONS of them. */
  reasons: string[];
  /** What decided: a rule, the `incomplete` verdict, or the `default`. */
  basis: 'rule' | 'incomplete' | 'default';
  /** The rule that decided, or (with basis `incomplete`) the rule that could not be decided; null for the default. */
  matchedRuleId: string | null;
  /** Every rule, in policy order, with what its condition said (null: cannot tell). */
  trace: Array<{ ruleId: string; holds: Truth }>;
}

/** Decisions carry one to three reason codes (as the demo data does). */
export const MAX_REASONS = 3;

/**
 * Evaluates a policy (from parsePolicy, or typed code) against a decision
 * input (already checked against the feature's input schema). Pure and
 * deterministic: it reads fields by path and never iterates the input, so
 * key order cannot matter.
 *
 * - Rules are ordered, and the first rule whose condition is not false
 *   decides: if it holds, its outcome, confidence and first reason; if it
 *   cannot be told (evidence absent), the policy's `incomplete` verdict,
 *   because a rule of higher priority might have held. Only when every rule
 *   is false does `default` decide. Every rule is still evaluated, for the
 *   trace and for the further reasons: those of later rules that also hold
 *   and give the same outcome, in rule order, without repeats, MAX_REASONS in
 *   all. The default's and incomplete's reasons stand alone.
 * - Groups combine in Kleene logic: `all` is false if a member is false,
 *   else unknown if a member is unknown, else true (`all: []` holds); `any`
 *   is true if a member holds, else unknown if a member is unknown, else
 *   false (`any: []` is false). So `any: [absent, true]` holds and
 *   `all: [absent, false]` is false: missing evidence matters only when it
 *   could change the answer.
 * - `field` is a dotted path through nested objects (`device.ageDays`); a
 *   segment that meets a non-object, an array or a missing key makes the
 *   field absent. A null value counts as absent too.
 * - An absent field makes every condition unknown except `exists`, which is
 *   always known: exists true/false is exactly "present"/"absent".
 * - No coercion: a value of a kind the operator does not compare with the
 *   policy's value ("80" against gte 79, an object against eq) is unknown,
 *   never false, so a type slip can never fall through to the default. The
 *   input schema should make this unreachable; this is the second lock.
 * - eq/neq with an array value compare a field that is an array item by item
 *   in order (canonical-JSON equality, since policy arrays hold scalars).
 * - lt/lte/gt/gte order numbers numerically and strings by UTF-16 code unit
 *   (so ISO-8601 dates in one format compare chronologically).
 * - in/nin: the field is a scalar of the list's item type, equal / equal to
 *   none of the items.
 */
export function evaluatePolicy(policy: Policy, input: Record<string, JsonValue>): Evaluation {
  const trace = policy.rules.map((rule) => ({ ruleId: rule.id, holds: groupTruth(rule.when, input) }));
  const first = trace.findIndex((step) => step.holds !== false);
  if (first === -1) {
    const { outcome, confidence, reason } = policy.default;
    return { outcome, confidence, reasons: [reason], basis: 'default', matchedRuleId: null, trace };
  }
  if (trace[first]!.holds === null) {
    const { outcome, confidence, reason } = policy.incomplete;
    return { outcome, confidence, reasons: [reason], basis: 'incomplete', matchedRuleId: policy.rules[first]!.id, trace };
  }
  const decisive = policy.rules[first]!;
  const reasons: string[] = [];
  for (let i = first; i < policy.rules.length && reasons.length < MAX_REASONS; i++) {
    const rule = policy.rules[i]!;
    if (trace[i]!.holds === true && rule.outcome === decisive.outcome && !reasons.includes(rule.reason)) reasons.push(rule.reason);
  }
  return { outcome: decisive.outcome, confidence: decisive.confidence, reasons, basis: 'rule', matchedRuleId: decisive.id, trace };
}

function groupTruth(group: ConditionGroup, input: Record<string, JsonValue>): Truth {
  const truth = (member: Condition | ConditionGroup): Truth => ('field' in member ? conditionTruth(member, input) : groupTruth(member, input));
  let unknown = false;
  if ('all' in group) {
    for (const member of group.all) {
      const t = truth(member);
      if (t === false) return false;
      if (t === null) unknown = true;
    }
    return unknown ? null : true;
  }
  for (const member of group.any) {
    const t = truth(member);
    if (t === true) return true;
    if (t === null) unknown = true;
  }
  return unknown ? null : false;
}

function conditionTruth({ field, op, value }: Condition, input: Record<string, JsonValue>): Truth {
  const actual = lookup(input, field);
  if (op === 'exists') return (actual !== undefined) === value;
  if (actual === undefined) return null;
  switch (op) {
    case 'eq':
      return sameKind(actual, value) ? equal(actual, value) : null;
    case 'neq':
      return sameKind(actual, value) ? !equal(actual, value) : null;
    case 'lt':
      return compared(order(actual, value), (sign) => sign < 0);
    case 'lte':
      return compared(order(actual, value), (sign) => sign <= 0);
    case 'gt':
      return compared(order(actual, value), (sign) => sign > 0);
    case 'gte':
      return compared(order(actual, value), (sign) => sign >= 0);
    case 'in':
    case 'nin': {
      if (!isList(value) || !isScalar(actual) || !value.some((item) => typeof item === typeof actual)) return null;
      return value.includes(actual) === (op === 'in');
    }
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
  if (isList(expected)) return Array.isArray(actual);
  return isScalar(actual) && typeof actual === typeof expected;
}

function equal(actual: JsonValue, expected: Condition['value']): boolean {
  if (!isList(expected)) return actual === expected;
  return Array.isArray(actual) && actual.length === expected.length && actual.every((item, i) => item === expected[i]);
}

/** Sign of actual minus expected; NaN when they have no common order. */
function order(actual: JsonValue, expected: Condition['value']): number {
  if ((typeof actual === 'number' && typeof expected === 'number') || (typeof actual === 'string' && typeof expected === 'string')) {
    return actual < expected ? -1 : actual > expected ? 1 : 0;
  }
  return NaN;
}

function compared(sign: number, test: (sign: number) => boolean): Truth {
  return Number.isNaN(sign) ? null : test(sign);
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
