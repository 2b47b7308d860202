import DataLoader from 'dataloader';
import type { Feature, Installation, Package, PackageVersion } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import { byKey, groupByKey } from '../../lib/subgraph/loaders';
import type { PackageStore } from './store';

/** Loaders live for one request and see only what its caller may see. */
export function createLoaders(store: PackageStore, caller: Caller) {
  const scope = tenantScope(caller);
  return {
    packageById: new DataLoader<string, Package | null>(async (ids) =>
      byKey(ids, await store.packagesByIds(ids), (p) => p.id),
    ),
    versionById: new DataLoader<string, PackageVersion | null>(async (ids) =>
      byKey(ids, await store.versionsByIds(ids), (v) => v.id),
    ),
    versionsByPackageId: new DataLoader<string, PackageVersion[]>(async (ids) =>
      groupByKey(ids, await store.versionsByPackageIds(ids), (v) => v.packageId),
    ),
    featuresByVersionId: new DataLoader<string, Feature[]>(async (ids) =>
      groupByKey(ids, await store.featuresByVersionIds(ids), (f) => f.packageVersionId),
    ),
    installationsByTenantId: new DataLoader<string, Installation[]>(async (ids) =>
      groupByKey(ids, await store.installationsByTenantIds(ids, scope), (i) => i.tenantId),
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
