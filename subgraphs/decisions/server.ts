import { parse } from 'graphql';
import { readSubgraphSdl } from '../../lib/supergraph';
import { createSubgraphServer } from '../../lib/subgraph/server';
import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { DecisionMaker } from './decision-maker';
import { PolicyCatalog } from './policy-catalog';
import { DecisionStore } from './store';

export function buildDecisionsSubgraph({ db, logger, internalSecret }: SubgraphDeps) {
  const store = new DecisionStore(db.prisma);
  const decisions = new DecisionMaker(db.prisma, new PolicyCatalog(db.prisma));
  return createSubgraphServer<Context>({
    name: 'decisions',
    typeDefs: parse(readSubgraphSdl('decisions')),
    resolvers,
    permissions,
    internalSecret,
    checkReady: () => db.prisma.$queryRaw`SELECT 1`,
    createContext: (caller) => createContext(store, decisions, caller),
    logger,
  });
}
