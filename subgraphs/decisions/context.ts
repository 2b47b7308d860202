import type { Caller } from '../../lib/caller';
import type { DecisionMaker } from './decision-maker';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionStore } from './store';
import type { DecisionStatsReport } from './stats/decision-stats';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  /** The write path: validates, evaluates the installed policy, writes the decision and its audit event. */
  decisionMaker: DecisionMaker;
  loaders: Loaders;
  /** decisionStats: the report statement over the same database. */
  stats: DecisionStatsReport;
}

export function createContext(store: DecisionStore, decisionMaker: DecisionMaker, caller: Caller, stats: DecisionStatsReport): Context {
  return { caller, store, decisionMaker, loaders: createLoaders(store, caller), stats };
}
