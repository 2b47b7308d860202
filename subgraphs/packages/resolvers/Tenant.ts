import { keysetConnection } from '../../../lib/keyset';
import type { TenantResolvers } from '../__generated__/resolvers-types';
import { prepareInstallationQuery } from '../list-query';

export const Tenant: TenantResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  installations: ({ id }, _args, { loaders }) => loaders.installationsByTenantId.load(id),
  installationsConnection: async ({ id }, args, { loaders, store, caller }) => {
    const query = prepareInstallationQuery(args, caller, store.cursors, id);
    const rows = await loaders.installationPage(query).load(id);
    return keysetConnection(rows, query, {
      totalCount: () => loaders.installationCount(query).load(id),
      // A cursor is bound to one tenant's connection, so only that tenant's page can ask.
      behind: () => store.installationsBehind(query, id),
    });
  },
};
