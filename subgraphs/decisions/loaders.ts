import DataLoader from 'dataloader';
import type { Decision } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, loaderFamily } from '../../lib/subgraph/loaders';
import type { DecisionQuery } from './list-query';
import type { DecisionStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: DecisionStore, caller: Caller) {
  const scope = tenantScope(caller);
  const byQueryKey = (query: DecisionQuery) => query.key;
  return {
    decisionById: new DataLoader<string, Decision | null>(async (ids) =>
      byKey(ids, await store.byIds(ids, scope), (d) => d.id),
    ),
    streamCursor: new DataLoader<string, string | null>(async (ids) => {
      const cursors = await store.streamCursors(ids);
      return ids.map((id) => cursors.get(id) ?? null);
    }),
    /** Tenant.decisions pages: every tenant asking the same question shares one LATERAL query. */
    tenantDecisionPage: loaderFamily(byQueryKey, (query) =>
      new DataLoader<string, Decision[]>(async (tenantIds) => {
        const pages = await store.pagesForTenants(tenantIds, query);
        return tenantIds.map((id) => pages.get(id) ?? []);
      }),
    ),
    tenantDecisionCount: loaderFamily(byQueryKey, (query) =>
      new DataLoader<string, number>(async (tenantIds) => {
        const counts = await store.countsForTenants(tenantIds, query);
        return tenantIds.map((id) => counts.get(id) ?? 0);
      }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
