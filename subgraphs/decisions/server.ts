import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createSubgraphServer } from '../../lib/subgraph/server';
import { createContext, type Context } from './context';
import { DecisionMaker } from './decision-maker';
import { permissions } from './permissions';
import { PolicyCatalog } from './policy-catalog';
import { resolvers } from './resolvers';
import { DecisionStore } from './store';
import { DecisionStatsReport } from './stats/decision-stats';

export function buildDecisionsSubgraph(deps: SubgraphDeps) {
  const store = new DecisionStore(deps.db.prisma, deps.cursors);
  const stats = new DecisionStatsReport(deps.db.prisma);
  const decisionMaker = new DecisionMaker(deps.db.prisma, new PolicyCatalog(deps.db.prisma));
  return createSubgraphServer<Context>(deps, {
    name: 'decisions',
    resolvers,
    permissions,
    createContext: (caller) => createContext(store, decisionMaker, caller, stats),
  });
}
