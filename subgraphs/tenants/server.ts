import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createSubgraphServer } from '../../lib/subgraph/server';
import { ApiKeyStore } from './api-keys';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { TenantStore } from './store';

export function buildTenantsSubgraph(deps: SubgraphDeps) {
  const store = new TenantStore(deps.db.prisma);
  const keys = new ApiKeyStore(deps.db.prisma);
  return createSubgraphServer<Context>(deps, { name: 'tenants', resolvers, permissions, createContext: (caller) => createContext(store, keys, caller) });
}
