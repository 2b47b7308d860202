import { keysetConnection } from '../../../lib/keyset';
import type { LineageResolvers } from '../__generated__/resolvers-types';
import { prepareLineageEventQuery } from '../list-query';

export const Lineage: LineageResolvers = {
  decision: (lineage) => ({ id: lineage.decisionId }),
  originatingRequest: (lineage) => lineage.events.find((e) => e.action === 'request') ?? null,
  eventsConnection: async ({ requestId, tenantId }, args, { loaders, store, caller }) => {
    const query = prepareLineageEventQuery(args, caller, store.cursors, { requestId, tenantId });
    const rows = await loaders.requestEventPage(query).load(requestId);
    return keysetConnection(rows, query, {
      totalCount: () => loaders.requestEventCount(query).load(requestId),
      // A cursor is bound to one lineage's connection, so only that lineage's page can ask.
      behind: () => store.behind(query, requestId),
    });
  },
};
