import DataLoader from 'dataloader';
import type { AuditEvent } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, groupByKey } from '../../lib/subgraph/loaders';
import type { AuditStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: AuditStore, caller: Caller) {
  const scope = tenantScope(caller);
  return {
    eventById: new DataLoader<string, AuditEvent | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, scope), (e) => e.id),
    ),
    eventsByRequestId: new DataLoader<string, AuditEvent[]>(async (requestIds) =>
      groupByKey(requestIds, await store.byRequestIds(requestIds, scope), (e) => e.requestId),
    ),
    requestIdOfDecision: new DataLoader<string, string | null>(async (decisionIds) => {
      const found = await store.requestIdsOfDecisions(decisionIds, scope);
      return decisionIds.map((id) => found.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
