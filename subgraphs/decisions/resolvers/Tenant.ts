import { keysetConnection } from '../../../lib/keyset';
import type { TenantResolvers } from '../__generated__/resolvers-types';
import { prepareDecisionQuery } from '../list-query';

export const Tenant: TenantResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  decisions: async ({ id }, args, { loaders, caller }) => {
    const query = prepareDecisionQuery(args, caller, true);
    const rows = await loaders.tenantDecisionPage(query).load(id);
    return keysetConnection(rows, query, () => loaders.tenantDecisionCount(query).load(id));
  },
};
