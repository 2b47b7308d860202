import DataLoader from 'dataloader';
import type { AuditEvent } from '@prisma/client';
import type { Caller } from '../../lib/caller';
import { byKey, groupByKey } from '../../lib/loader-helpers';
import type { AuditStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: AuditStore, caller: Caller) {
  return {
    eventById: new DataLoader<string, AuditEvent | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, caller.tenantId), (e) => e.id),
    ),
    eventsByRequestId: new DataLoader<string, AuditEvent[]>(async (requestIds) =>
      groupByKey(requestIds, await store.byRequestIds(requestIds, caller.tenantId), (e) => e.requestId),
    ),
    requestIdOfDecision: new DataLoader<string, string | null>(async (decisionIds) => {
      const found = await store.requestIdsOfDecisions(decisionIds, caller.tenantId);
      return decisionIds.map((id) => found.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
