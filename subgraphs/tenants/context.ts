import type { PrismaClient } from '@prisma/client';
import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { TenantStore } from './store';

export interface Context {
  caller: Caller;
  store: TenantStore;
  /** For key management, which writes keys and their audit events in one transaction. */
  prisma: PrismaClient;
  loaders: Loaders;
}

export function createContext(store: TenantStore, prisma: PrismaClient, caller: Caller): Context {
  return { caller, store, prisma, loaders: createLoaders(store, caller) };
}
