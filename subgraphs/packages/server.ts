import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/supergraph';
import { createSubgraphServer } from '../../lib/subgraph/server';
import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { PackageStore } from './store';

export function buildPackagesSubgraph({ db, logger, internalSecret }: SubgraphDeps) {
  const store = new PackageStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'packages',
    typeDefs: parse(readSubgraphSdl('packages')),
    resolvers,
    permissions,
    internalSecret,
    checkReady: () => db.prisma.$queryRaw`SELECT 1`,
    createContext: (caller) => createContext(store, caller),
    logger,
  });
}
