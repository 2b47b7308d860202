import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionMaker } from './decision-maker';
import type { DecisionStore } from './store';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  decisions: DecisionMaker;
  loaders: Loaders;
}

export function createContext(store: DecisionStore, decisions: DecisionMaker, caller: Caller): Context {
  return { caller, store, decisions, loaders: createLoaders(store, caller) };
}
