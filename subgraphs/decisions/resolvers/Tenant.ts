import { keysetConnection } from '../../../lib/keyset';
import type { TenantResolvers } from '../__generated__/resolvers-types';
import { prepareDecisionQuery } from '../list-query';
import { resolveUsage } from '../usage';

export const Tenant: TenantResolvers = {
  // `limits` arrives only when Tenant.usage is asked for (it `@requires` the quota).
  __resolveReference: ({ id, limits }) => ({ id, limits }),
  decisions: async ({ id }, args, { loaders, store, caller }) => {
    const query = prepareDecisionQuery(args, caller, store.cursors, { field: 'Tenant.decisions', tenantId: id });
    const rows = await loaders.tenantDecisionPage(query).load(id);
    return keysetConnection(rows, query, {
      totalCount: () => loaders.tenantDecisionCount(query).load(id),
      // A cursor is bound to one tenant's connection, so only that tenant's page can ask: no batching to gain.
      behind: () => store.behind(query, id),
    });
  },
  usage: resolveUsage,
};
