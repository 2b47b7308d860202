import { keysetConnection } from '../../../lib/keyset';
import type { QueryResolvers } from '../__generated__/resolvers-types';
import { prepareAuditEventQuery } from '../query';

export const Query: QueryResolvers = {
  auditEvents: async (_parent, args, { store, caller }) => {
    const query = prepareAuditEventQuery(args, caller);
    const rows = await store.page(query);
    return keysetConnection(rows, query, () => store.count(query));
  },
  lineage: async (_parent, { decisionId }, { loaders }) => {
    const requestId = await loaders.requestIdOfDecision.load(decisionId);
    if (requestId === null) return null;
    return { decisionId, requestId, events: await loaders.eventsByRequestId.load(requestId) };
  },
};
