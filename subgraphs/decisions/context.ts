import type { Caller } from '../../lib/caller';
import type { DecisionMaker } from './decision-maker';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionStore } from './store';
import { createUsageLoaders, type UsageStore } from './usage';
import type { FeatureHealthStore } from './feature-health';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  /** The write path: validates, evaluates the installed policy, writes the decision and its audit event. */
  decisionMaker: DecisionMaker;
  loaders: Loaders;
  /** Tenant.usage counts, one statement per billing period asked for. */
  usage: ReturnType<typeof createUsageLoaders>;
  featureHealth: FeatureHealthStore;
}

export interface ReportStores {
  usage: UsageStore;
  featureHealth: FeatureHealthStore;
}

export function createContext(store: DecisionStore, decisionMaker: DecisionMaker, caller: Caller, reports: ReportStores): Context {
  return {
    caller,
    store,
    decisionMaker,
    loaders: createLoaders(store, caller),
    usage: createUsageLoaders(reports.usage, caller),
    featureHealth: reports.featureHealth,
  };
}
