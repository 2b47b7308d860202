import DataLoader from 'dataloader';
import type { Tenant } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey } from '../../lib/subgraph/loaders';
import type { TenantStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: TenantStore, caller: Caller) {
  const scope = tenantScope(caller);
  return {
    tenantById: new DataLoader<string, Tenant | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, scope), (t) => t.id),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
