import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/subgraphs';
import { createSubgraphServer } from '../../lib/subgraph-server';
import type { Database } from '../../lib/database';
import type { Logger } from '../../lib/logger';
import { createContext, type Context } from './context';
import { resolvers } from './resolvers';
import { TenantStore } from './store';

export function buildTenantsSubgraph({ db, logger }: { db: Database; logger: Logger }) {
  const store = new TenantStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'tenants',
    typeDefs: parse(readSubgraphSdl('tenants')),
    resolvers,
    createContext: (caller) => createContext(store, caller),
    logger,
  });
}
