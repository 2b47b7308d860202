import { requireTenantAccess, tenantScope } from '../../../lib/caller';
import { badUserInput } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  tenant: (_parent, { id, slug }, { loaders, store, caller }) => {
    if ((id == null) === (slug == null)) throw badUserInput('give exactly one of id or slug');
    return id != null ? loaders.tenantById.load(id) : store.bySlug(slug!, tenantScope(caller));
  },
  tenants: (_parent, { filter }, { store, caller }) => store.list(filter, tenantScope(caller)),
  apiKeys: (_parent, { tenantId }, { keys, caller }) => {
    if (tenantId != null && !isUuid(tenantId)) return [];
    requireTenantAccess(caller, tenantId);
    const own = tenantScope(caller);
    return keys.list(own !== null ? { id: own } : tenantId != null ? { id: tenantId } : 'all tenants');
  },
};
