import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/supergraph';
import { createSubgraphServer } from '../../lib/subgraph/server';
import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { TenantStore } from './store';

export function buildTenantsSubgraph({ db, logger, internalSecret }: SubgraphDeps) {
  const store = new TenantStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'tenants',
    typeDefs: parse(readSubgraphSdl('tenants')),
    resolvers,
    permissions,
    internalSecret,
    checkReady: () => db.prisma.$queryRaw`SELECT 1`,
    createContext: (caller) => createContext(store, db.prisma, caller),
    logger,
  });
}
