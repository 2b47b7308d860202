import { keysetConnection } from '../../../lib/keyset';
import type { QueryResolvers } from '../__generated__/resolvers-types';
import { resolveFeatureHealth } from '../feature-health';
import { prepareDecisionQuery } from '../list-query';

export const Query: QueryResolvers = {
  decision: (_parent, { id }, { loaders }) => loaders.decisionById.load(id),
  decisions: async (_parent, args, { store, caller }) => {
    const query = prepareDecisionQuery(args, caller, store.cursors, { field: 'Query.decisions' });
    const rows = await store.page(query);
    return keysetConnection(rows, query, { totalCount: () => store.count(query), behind: () => store.behind(query) });
  },
  decisionStats: (_parent, args, { stats, caller }) => stats.run(args, caller),
  featureHealth: resolveFeatureHealth,
};
