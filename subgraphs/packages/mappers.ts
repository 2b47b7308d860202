import type { PackageVersion } from '@prisma/client';
import type { Connection, Page } from '../../lib/connection';
import type { InstallationRow } from './store';

/** A tenant known here only by its key; the tenants subgraph owns the rest. */
export interface TenantRef {
  id: string;
}

export type PackageVersionEdgeModel = Page<PackageVersion>['edges'][number];

export type PackageVersionConnectionModel = Connection<PackageVersion>;

export type InstallationEdgeModel = Page<InstallationRow>['edges'][number];

export type InstallationConnectionModel = Connection<InstallationRow>;
