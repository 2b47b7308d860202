import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/subgraphs';
import { createSubgraphServer } from '../../lib/subgraph-server';
import type { Database } from '../../lib/database';
import type { Logger } from '../../lib/logger';
import { createContext, type Context } from './context';
import { resolvers } from './resolvers';
import { PackageStore } from './store';

export function buildPackagesSubgraph({ db, logger }: { db: Database; logger: Logger }) {
  const store = new PackageStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'packages',
    typeDefs: parse(readSubgraphSdl('packages')),
    resolvers,
    createContext: (caller) => createContext(store, caller),
    logger,
  });
}
