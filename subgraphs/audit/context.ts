import type { Caller } from '../../lib/caller';
import { createLoaders, type Loaders } from './loaders';
import type { AuditStore } from './store';
import type { AuditStatsReport } from './stats/audit-stats';

export interface Context {
  caller: Caller;
  store: AuditStore;
  loaders: Loaders;
  /** auditStats: the report statement over the same database. */
  stats: AuditStatsReport;
}

export function createContext(store: AuditStore, caller: Caller, stats: AuditStatsReport): Context {
  return { caller, store, loaders: createLoaders(store, caller), stats };
}
