import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createSubgraphServer } from '../../lib/subgraph/server';
import { createContext, type Context } from './context';
import { DecisionMaker } from './decision-maker';
import { permissions } from './permissions';
import { PolicyCatalog } from './policy-catalog';
import { resolvers } from './resolvers';
import { DecisionStore } from './store';
import { DecisionStatsReport } from './stats/decision-stats';
import { FeatureHealthStore } from './feature-health';
import { UsageStore } from './usage';

export function buildDecisionsSubgraph(deps: SubgraphDeps) {
  const store = new DecisionStore(deps.db.prisma, deps.cursors);
  const decisionMaker = new DecisionMaker(deps.db.prisma, new PolicyCatalog(deps.db.prisma), deps.streamBus);
  const reports = { stats: new DecisionStatsReport(deps.db.prisma), usage: new UsageStore(deps.db.prisma), featureHealth: new FeatureHealthStore(deps.db.prisma) };
  return createSubgraphServer<Context>(deps, {
    name: 'decisions',
    resolvers,
    permissions,
    createContext: (caller) => createContext(store, decisionMaker, caller, reports),
  });
}
