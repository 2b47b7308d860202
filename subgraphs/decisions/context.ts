import type { Caller } from '../../lib/caller';
import type { DecisionMaker } from './decision-maker';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionStore } from './store';
import type { DecisionStatsReport } from './stats/decision-stats';
import { createUsageLoaders, type UsageStore } from './usage';
import type { FeatureHealthStore } from './feature-health';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  /** The write path: validates, evaluates the installed policy, writes the decision and its audit event. */
  decisionMaker: DecisionMaker;
  loaders: Loaders;
  /** decisionStats: the report statement over the same database. */
  stats: DecisionStatsReport;
  /** Tenant.usage counts, one statement per billing period asked for. */
  usage: ReturnType<typeof createUsageLoaders>;
  featureHealth: FeatureHealthStore;
}

/** The report modules of the decisions domain, built once per subgraph. */
export interface ReportStores {
  stats: DecisionStatsReport;
  usage: UsageStore;
  featureHealth: FeatureHealthStore;
}

export function createContext(store: DecisionStore, decisionMaker: DecisionMaker, caller: Caller, reports: ReportStores): Context {
  return {
    caller,
    store,
    decisionMaker,
    loaders: createLoaders(store, caller),
    stats: reports.stats,
    usage: createUsageLoaders(reports.usage, caller),
    featureHealth: reports.featureHealth,
  };
}
