/** The decision engine's policy layer: validate a stored policy and a caller's input, then evaluate. */
export { evaluatePolicy, MAX_REASONS, type Evaluation } from './evaluate';
export { DecisionInputError, DEFAULT_INPUT_LIMITS, validateDecisionInput, type InputLimits } from './input';
export type { JsonValue } from './json';
export type { Condition, ConditionGroup, ConditionOp, Outcome, Policy, PolicyRule, Scalar } from './types';
export { MAX_GROUP_DEPTH, parsePolicy, PolicyError } from './validate';
