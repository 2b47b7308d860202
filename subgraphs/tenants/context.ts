import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { TenantStore } from './store';

export interface Context {
  caller: Caller;
  store: TenantStore;
  loaders: Loaders;
}

export function createContext(store: TenantStore, caller: Caller): Context {
  return { caller, store, loaders: createLoaders(store, caller) };
}
