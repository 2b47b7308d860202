import { loadLineage } from '../lineage';
import type { DecisionResolvers } from '../__generated__/resolvers-types';

export const Decision: DecisionResolvers = {
  // The gateway sends the key and the @requires'd requestId; nothing to load.
  __resolveReference: (ref) => ref,
  lineage: async ({ id, requestId }, _args, { loaders }) => {
    // Without the required field (a direct call that omitted it) the request is unknown here.
    if (!requestId) return null;
    return loadLineage(loaders, id, requestId);
  },
};
