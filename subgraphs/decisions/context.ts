import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { DecisionStore } from './store';

export interface Context {
  caller: Caller;
  store: DecisionStore;
  loaders: Loaders;
}

export function createContext(store: DecisionStore, caller: Caller): Context {
  return { caller, store, loaders: createLoaders(store, caller) };
}
