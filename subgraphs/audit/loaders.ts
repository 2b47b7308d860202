import DataLoader from 'dataloader';
import type { AuditEvent } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, groupByKey, loaderFamily } from '../../lib/subgraph/loaders';
import type { AuditEventQuery } from './list-query';
import type { AuditStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: AuditStore, caller: Caller) {
  const scope = tenantScope(caller);
  const byQueryKey = (query: AuditEventQuery) => query.key;
  return {
    eventById: new DataLoader<string, AuditEvent | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, scope), (e) => e.id),
    ),
    eventsByRequestId: new DataLoader<string, AuditEvent[]>(async (requestIds) =>
      groupByKey(requestIds, await store.byRequestIds(requestIds, scope), (e) => e.requestId),
    ),
    /** Lineage.eventsConnection pages: every lineage asking the same question shares one LATERAL query. */
    requestEventPage: loaderFamily(byQueryKey, (query) =>
      new DataLoader<string, AuditEvent[]>(async (requestIds) => {
        const pages = await store.pagesForRequests(requestIds, query);
        return requestIds.map((id) => pages.get(id) ?? []);
      }),
    ),
    requestEventCount: loaderFamily(byQueryKey, (query) =>
      new DataLoader<string, number>(async (requestIds) => {
        const counts = await store.countsForRequests(requestIds, query);
        return requestIds.map((id) => counts.get(id) ?? 0);
      }),
    ),
    requestIdOfDecision: new DataLoader<string, string | null>(async (decisionIds) => {
      const found = await store.requestIdsOfDecisions(decisionIds, scope);
      return decisionIds.map((id) => found.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
