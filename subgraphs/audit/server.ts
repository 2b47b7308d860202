import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/subgraphs';
import { createSubgraphServer } from '../../lib/subgraph-server';
import type { Database } from '../../lib/database';
import type { Logger } from '../../lib/logger';
import { createContext, type Context } from './context';
import { resolvers } from './resolvers';
import { AuditStore } from './store';

export function buildAuditSubgraph({ db, logger }: { db: Database; logger: Logger }) {
  const store = new AuditStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'audit',
    typeDefs: parse(readSubgraphSdl('audit')),
    resolvers,
    createContext: (caller) => createContext(store, caller),
    logger,
  });
}
