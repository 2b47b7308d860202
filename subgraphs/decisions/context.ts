import type { Caller } from '../../lib/caller';
import type { DecisionMaker } from './decision-maker';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionStore } from './store';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  /** The write path: validates, evaluates the installed policy, writes the decision and its audit event. */
  decisionMaker: DecisionMaker;
  loaders: Loaders;
}

export function createContext(store: DecisionStore, decisionMaker: DecisionMaker, caller: Caller): Context {
  return { caller, store, decisionMaker, loaders: createLoaders(store, caller) };
}
