import type { LineageResolvers } from '../__generated__/resolvers-types';

export const Lineage: LineageResolvers = {
  decision: (lineage) => ({ id: lineage.decisionId }),
  originatingRequest: (lineage) => lineage.events.find((e) => e.action === 'request') ?? null,
};
