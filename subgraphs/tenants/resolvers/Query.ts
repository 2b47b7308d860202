import { tenantScope } from '../../../lib/caller';
import { badUserInput } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  tenant: (_parent, { id, slug }, { loaders, store, caller }) => {
    if ((id == null) === (slug == null)) throw badUserInput('give exactly one of id or slug');
    return id != null ? loaders.tenantById.load(id) : store.bySlug(slug!, tenantScope(caller));
  },
  tenants: (_parent, { filter }, { store, caller }) => store.list(filter, tenantScope(caller)),
  apiKeys: (_parent, { tenantId }, { keys }) => {
    if (tenantId != null && !isUuid(tenantId)) return [];
    return keys.list(tenantId != null ? { id: tenantId } : undefined);
  },
};
