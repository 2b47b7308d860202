import DataLoader from 'dataloader';
import type { AuditEvent } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, groupByKey, loaderFamily } from '../../lib/subgraph/loaders';
import type { AuditEventQuery } from './list-query';
import type { DecisionOrigin } from './mappers';
import type { AuditStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: AuditStore, caller: Caller) {
  const scope = tenantScope(caller);
  const byQueryKey = (query: AuditEventQuery) => query.key;
  return {
    eventById: new DataLoader<string, AuditEvent | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, scope), (e) => e.id),
    ),
    /** A request's events on one tenant's chain: a decision's lineage. */
    eventsOfRequest: new DataLoader<DecisionOrigin, AuditEvent[], string>(
      async (origins) => groupByKey(origins.map(originKey), await store.byRequests(origins, scope), (e) => originKey({ tenantId: e.tenantId!, requestId: e.requestId })),
      { cacheKeyFn: originKey },
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
    originOfDecision: new DataLoader<string, DecisionOrigin | null>(async (decisionIds) => {
      const found = await store.originsOfDecisions(decisionIds, scope);
      return decisionIds.map((id) => found.get(id) ?? null);
    }),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

function originKey(origin: DecisionOrigin): string {
  return `${origin.tenantId} ${origin.requestId}`;
}
