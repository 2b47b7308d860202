import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { PackageStore } from './store';

export interface Context {
  caller: Caller;
  store: PackageStore;
  loaders: Loaders;
}

export function createContext(store: PackageStore, caller: Caller): Context {
  return { caller, store, loaders: createLoaders(store, caller) };
}
