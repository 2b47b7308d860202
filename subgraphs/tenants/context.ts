import type { Caller } from '../../lib/caller';
import type { ApiKeyStore } from './api-keys';
import { createLoaders, type Loaders } from './loaders';
import type { TenantStore } from './store';

export interface Context {
  caller: Caller;
  store: TenantStore;
  /** Key management: writes keys and their audit events in one transaction. */
  keys: ApiKeyStore;
  loaders: Loaders;
}

export function createContext(store: TenantStore, keys: ApiKeyStore, caller: Caller): Context {
  return { caller, store, keys, loaders: createLoaders(store, caller) };
}
