import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/subgraphs';
import { createSubgraphServer } from '../../lib/subgraph-server';
import type { Database } from '../../lib/database';
import type { Logger } from '../../lib/logger';
import { createContext, type Context } from './context';
import { resolvers } from './resolvers';
import { DecisionStore } from './store';

export function buildDecisionsSubgraph({ db, logger }: { db: Database; logger: Logger }) {
  const store = new DecisionStore(db.prisma);
  return createSubgraphServer<Context>({
    name: 'decisions',
    typeDefs: parse(readSubgraphSdl('decisions')),
    resolvers,
    createContext: (caller) => createContext(store, caller),
    logger,
  });
}
