import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { AuditStore } from './store';

export interface Context {
  caller: Caller;
  store: AuditStore;
  loaders: Loaders;
}

export function createContext(store: AuditStore, caller: Caller): Context {
  return { caller, store, loaders: createLoaders(store, caller) };
}
