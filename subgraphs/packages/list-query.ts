import type { PackageVersion } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import type { CursorCodec, SliceArgs } from '../../lib/connection';
import { Conditions, listQuery, sortOrder, type ListQuery } from '../../lib/keyset';
import type { InstallationRow } from './store';

/** Package.versions' order: newest first, so the first is the latest version. */
export const VERSIONS_NEWEST_FIRST = sortOrder<PackageVersion>({
  name: 'PUBLISHED_AT_DESC',
  column: 'published_at',
  direction: 'DESC',
  kind: 'timestamp',
  value: (v) => v.publishedAt,
});

/** Tenant.installations' order: by package slug, one installation per package. */
export const INSTALLATIONS_BY_SLUG = sortOrder<InstallationRow>({
  name: 'PACKAGE_SLUG_ASC',
  column: 'package_slug',
  direction: 'ASC',
  kind: 'text',
  value: (i) => i.packageSlug,
});

export type VersionQuery = ListQuery<PackageVersion>;
export type InstallationQuery = ListQuery<InstallationRow>;

/** The catalogue is the same for every tenant, so only the cursor (not the rows) is bound to the caller's scope. */
export function prepareVersionQuery(args: SliceArgs, caller: Caller, cursors: CursorCodec, packageId: string): VersionQuery {
  return listQuery({
    slice: args,
    order: VERSIONS_NEWEST_FIRST,
    conditions: [],
    binding: { field: 'Package.versionsConnection', parent: packageId, scope: tenantScope(caller) },
    cursors,
  });
}

/** A tenant's credential sees its own installations only: another tenant's list is empty, as Tenant.installations answers. */
export function prepareInstallationQuery(args: SliceArgs, caller: Caller, cursors: CursorCodec, tenantId: string): InstallationQuery {
  return listQuery({
    slice: args,
    order: INSTALLATIONS_BY_SLUG,
    conditions: new Conditions().uuid('tenant_id', tenantScope(caller)).list,
    binding: { field: 'Tenant.installationsConnection', parent: tenantId, scope: tenantScope(caller) },
    cursors,
  });
}
