import type { DecisionOutcome } from '../../../lib/vocabulary';

/**
 * The declarative policy format a feature ships in its package version and
 * the decision engine evaluates (see evaluate.ts for the semantics). Stored
 * as JSON, so it is plain data; parsePolicy() checks stored JSON against it.
 */
export type Outcome = DecisionOutcome;

export type ConditionOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte' | 'in' | 'nin' | 'exists';
export type Scalar = string | number | boolean;

/**
 * One test of one input field. `field` is a dotted path into the input
 * (`device.ageDays`). What `value` may be depends on `op`: eq/neq a scalar or
 * an array of scalars, lt/lte/gt/gte a number or string, in/nin a non-empty
 * array of scalars of one type, exists a boolean (true: present, false: absent).
 */
export interface Condition {
  field: string;
  op: ConditionOp;
  value: Scalar | readonly Scalar[];
}

/** `all`: every member holds (true when empty); `any`: at least one does (false when empty). Groups nest. */
export type ConditionGroup = { all: readonly (Condition | ConditionGroup)[] } | { any: readonly (Condition | ConditionGroup)[] };

export interface PolicyRule {
  id: string;
  when: ConditionGroup;
  outcome: Outcome;
  confidence: number;
  reason: string;
}

/** An outcome with its confidence and reason code. */
export interface Verdict {
  outcome: Outcome;
  confidence: number;
  reason: string;
}

/**
 * A feature's declarative decision policy: ordered rules, each a condition
 * group with the outcome it gives; `incomplete` for when a rule cannot be
 * decided because evidence it reads is absent (an optional attribute the
 * caller did not send), and `default` for when every rule is decidedly false.
 *
 * Version 2. Version 1 had no `incomplete`: an absent field made conditions
 * false and the default (usually APPROVE) decided, so missing evidence
 * approved. It is refused, not upgraded, because what a policy decides on
 * incomplete evidence is its author's call.
 */
export interface Policy {
  version: 2;
  rules: readonly PolicyRule[];
  incomplete: Verdict;
  default: Verdict;
}
