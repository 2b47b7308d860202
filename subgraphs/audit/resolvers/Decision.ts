import { loadLineage } from '../lineage';
import type { DecisionResolvers } from '../__generated__/resolvers-types';

export const Decision: DecisionResolvers = {
  // The gateway sends the key; the lineage finds the rest from the decision's own event.
  __resolveReference: (ref) => ref,
  lineage: ({ id }, _args, { loaders }) => loadLineage(loaders, id),
};
