import type { DecisionOutcome, DecisionResolvers } from '../__generated__/resolvers-types';

export const Decision: DecisionResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.decisionById.load(id),
  feature: (decision) => decision.featureKey,
  outcome: (decision) => decision.outcome as DecisionOutcome,
  subject: (decision) => ({ type: decision.subjectType, reference: decision.subjectReference }),
  tenant: (decision) => ({ id: decision.tenantId }),
  packageVersion: (decision) => ({ id: decision.packageVersionId }),
  streamCursor: (decision, _args, { loaders }) => loaders.streamCursor.load(decision.id),
};
