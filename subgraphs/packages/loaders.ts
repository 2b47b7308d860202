import DataLoader from 'dataloader';
import type { Feature, Installation, Package, PackageVersion } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, groupByKey, loaderFamily } from '../../lib/subgraph/loaders';
import type { InstallationQuery, VersionQuery } from './list-query';
import { draftVisibilityOf, type InstallationRow, type PackageStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: PackageStore, caller: Caller) {
  const scope = tenantScope(caller);
  const drafts = draftVisibilityOf(caller);
  return {
    packageById: new DataLoader<string, Package | null>(async (ids) =>
      byKey(ids, await store.packagesByIds(ids, drafts), (p) => p.id),
    ),
    versionById: new DataLoader<string, PackageVersion | null>(async (ids) =>
      byKey(ids, await store.versionsByIds(ids, drafts), (v) => v.id),
    ),
    versionsByPackageId: new DataLoader<string, PackageVersion[]>(async (ids) =>
      groupByKey(ids, await store.versionsByPackageIds(ids), (v) => v.packageId),
    ),
    featuresByVersionId: new DataLoader<string, Feature[]>(async (ids) =>
      groupByKey(ids, await store.featuresByVersionIds(ids), (f) => f.packageVersionId),
    ),
    installationsByTenantId: new DataLoader<string, Installation[]>(async (ids) =>
      groupByKey(ids, await store.installationsByTenantIds(ids, scope, drafts), (i) => i.tenantId),
    ),
    /** Package.versionsConnection pages: every package asking the same question shares one LATERAL query. */
    versionPage: loaderFamily((query: VersionQuery) => query.key, (query) =>
      new DataLoader<string, PackageVersion[]>(async (ids) => {
        const pages = await store.versionPagesFor(ids, query);
        return ids.map((id) => pages.get(id) ?? []);
      }),
    ),
    versionCount: loaderFamily((query: VersionQuery) => query.key, (query) =>
      new DataLoader<string, number>(async (ids) => {
        const counts = await store.versionCountsFor(ids, query);
        return ids.map((id) => counts.get(id) ?? 0);
      }),
    ),
    /** Tenant.installationsConnection pages, batched the same way. */
    installationPage: loaderFamily((query: InstallationQuery) => query.key, (query) =>
      new DataLoader<string, InstallationRow[]>(async (ids) => {
        const pages = await store.installationPagesFor(ids, query);
        return ids.map((id) => pages.get(id) ?? []);
      }),
    ),
    installationCount: loaderFamily((query: InstallationQuery) => query.key, (query) =>
      new DataLoader<string, number>(async (ids) => {
        const counts = await store.installationCountsFor(ids, query);
        return ids.map((id) => counts.get(id) ?? 0);
      }),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
