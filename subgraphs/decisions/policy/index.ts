/** The decision engine's policy layer: validate a stored policy and its input contract, check a caller's input, then evaluate. */
export { checkFeatureContract, FeatureContractError } from './contract';
export { evaluatePolicy, MAX_REASONS, type Evaluation, type Truth } from './evaluate';
export { DecisionInputError, DEFAULT_INPUT_LIMITS, validateDecisionInput, type InputLimits } from './input';
export { compileInputSchema, InputSchemaCache, InputSchemaError, MAX_PROBLEMS, type AttributeProblem, type AttributesValidator, type InputSchema } from './input-schema';
export type { JsonValue } from './json';
export type { Condition, ConditionGroup, ConditionOp, Outcome, Policy, PolicyRule, Scalar, Verdict } from './types';
export { MAX_GROUP_DEPTH, parsePolicy, PolicyError } from './validate';
