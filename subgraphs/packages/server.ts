import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createSubgraphServer } from '../../lib/subgraph/server';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { PackageStore } from './store';

export function buildPackagesSubgraph(deps: SubgraphDeps) {
  const store = new PackageStore(deps.db.prisma, deps.cursors);
  return createSubgraphServer<Context>(deps, { name: 'packages', resolvers, permissions, createContext: (caller) => createContext(store, caller) });
}
