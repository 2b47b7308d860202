import { Prisma, type Feature, type Installation, type Package, type PackageVersion, type PrismaClient } from '@prisma/client';
import { isPlatformOperator, type Caller } from '../../lib/caller';
import type { CursorCodec } from '../../lib/connection';
import { isUuid } from '../../lib/ids';
import { arrayLiteral } from '../../lib/pg-array';
import { KeysetTable, type ParentKey } from '../../lib/keyset';
import type { PackageFilter } from './__generated__/resolvers-types';
import type { InstallationQuery, VersionQuery } from './list-query';

/** An installation as its connection reads it: with the slug it is ordered by. */
export type InstallationRow = Installation & { packageSlug: string };

const VERSION_COLUMNS = Prisma.raw(`
  id, package_id AS "packageId", version, changelog, conformance_score AS "conformanceScore", published_at AS "publishedAt"`);
const PACKAGE_COLUMNS = Prisma.raw(`
  id, slug, name, description, risk_tier AS "riskTier", status, created_at AS "createdAt"`);
const INSTALLATION_COLUMNS = Prisma.raw(`
  id, tenant_id AS "tenantId", package_id AS "packageId", package_version_id AS "packageVersionId",
  installed_at AS "installedAt", package_slug AS "packageSlug"`);
// The slug lives on the package: a subquery named like the table lets the
// keyset order, compare and qualify by it as if it were a column.
const INSTALLATIONS_WITH_SLUG = Prisma.raw(`
  (SELECT i.*, p.slug AS package_slug FROM installations i JOIN packages p ON p.id = i.package_id) AS installations`);

const OF_PACKAGE: ParentKey = { column: 'package_id', type: 'uuid' };
const OF_TENANT: ParentKey = { column: 'tenant_id', type: 'uuid' };

/**
 * Whether DRAFT packages (and their versions) are seen: only by the platform
 * operator. A draft is unreviewed work; a tenant sees it as if it did not exist.
 */
export type DraftVisibility = 'shown' | 'hidden';

export function draftVisibilityOf(caller: Caller): DraftVisibility {
  return isPlatformOperator(caller) ? 'shown' : 'hidden';
}

function hideDrafts(drafts: DraftVisibility) {
  return drafts === 'hidden' ? { status: { not: 'DRAFT' as const } } : {};
}

/** hideDrafts in SQL, for the reads written as SQL: a condition on a `packages` row's status. */
function draftsSql(drafts: DraftVisibility, status: Prisma.Sql): Prisma.Sql {
  return drafts === 'hidden' ? Prisma.sql`${status} <> 'DRAFT'` : Prisma.sql`TRUE`;
}

/** Data access for the packages domain: the marketplace catalogue is global, installations are per tenant. */
export class PackageStore {
  private readonly versions: KeysetTable<PackageVersion>;
  private readonly installations: KeysetTable<InstallationRow>;

  constructor(
    private readonly prisma: PrismaClient,
    /** Mints and checks the cursors of this domain's connections. */
    readonly cursors: CursorCodec,
  ) {
    this.versions = new KeysetTable(prisma, 'package_versions', VERSION_COLUMNS);
    this.installations = new KeysetTable(prisma, 'installations', INSTALLATION_COLUMNS, INSTALLATIONS_WITH_SLUG);
  }

  /*
   * The entity reads (packagesByIds, versionsByIds, installationsByTenantIds)
   * run on every federated query that reaches a package, once per batch: they
   * are written as SQL because findMany cost 2.4 to 3.5 times the CPU of the
   * same read through $queryRaw (bench/prisma-vs-pg.ts: 893 against 254 µs
   * for eight versions; plain pg 77 µs), and the
   * subgraphs share the machine's cores with the gateway. Their rows are the
   * model's fields exactly; a test holds each to what findMany returns.
   */
  packagesByIds(ids: readonly string[], drafts: DraftVisibility): Promise<Package[]> {
    return this.prisma.$queryRaw<Package[]>`
      SELECT ${PACKAGE_COLUMNS} FROM packages
      WHERE id = ANY(${arrayLiteral(ids.filter(isUuid))}::uuid[]) AND ${draftsSql(drafts, Prisma.sql`status`)}`;
  }

  packageBySlug(slug: string, drafts: DraftVisibility): Promise<Package | null> {
    return this.prisma.package.findFirst({ where: { slug, ...hideDrafts(drafts) } });
  }

  list(filter: PackageFilter | null | undefined, drafts: DraftVisibility): Promise<Package[]> {
    // Prisma's `contains` becomes ILIKE '%…%' without escaping the pattern's own wildcards.
    const search = filter?.search?.trim().replace(/[\\%_]/g, '\\$&');
    return this.prisma.package.findMany({
      where: {
        // Both conditions on status, kept apart: spread into one object, the
        // draft rule would overwrite the caller's filter instead of narrowing it.
        AND: [filter?.status ? { status: filter.status } : {}, hideDrafts(drafts)],
        ...(filter?.riskTier && { riskTier: filter.riskTier }),
        ...(search && {
          OR: [
            { slug: { contains: search, mode: 'insensitive' as const } },
            { name: { contains: search, mode: 'insensitive' as const } },
          ],
        }),
        ...(filter?.featureKey && { versions: { some: { features: { some: { key: filter.featureKey } } } } }),
      },
      orderBy: { slug: 'asc' },
    });
  }

  versionsByIds(ids: readonly string[], drafts: DraftVisibility): Promise<PackageVersion[]> {
    return this.prisma.$queryRaw<PackageVersion[]>`
      SELECT ${VERSION_COLUMNS} FROM package_versions
      WHERE id = ANY(${arrayLiteral(ids.filter(isUuid))}::uuid[])
        AND package_id IN (SELECT id FROM packages WHERE ${draftsSql(drafts, Prisma.sql`status`)})`;
  }

  /** Newest first, so the first of each package's group is its latest version. */
  versionsByPackageIds(packageIds: readonly string[]): Promise<PackageVersion[]> {
    return this.prisma.packageVersion.findMany({
      where: { packageId: { in: [...packageIds] } },
      orderBy: [{ publishedAt: 'desc' }, { id: 'desc' }],
    });
  }

  featuresByVersionIds(versionIds: readonly string[]): Promise<Feature[]> {
    return this.prisma.feature.findMany({
      where: { packageVersionId: { in: [...versionIds] } },
      orderBy: { key: 'asc' },
    });
  }

  /**
   * The feature a tenant's decisions use for `key`: from its most recently
   * installed version offering it, the same choice the decisions domain's
   * policy catalogue makes.
   */
  async installedFeature(tenantId: string, key: string, drafts: DraftVisibility): Promise<Feature | null> {
    if (!isUuid(tenantId)) return null;
    const installation = await this.prisma.installation.findFirst({
      where: { tenantId, packageVersion: { features: { some: { key } }, ...(drafts === 'hidden' && { package: hideDrafts(drafts) }) } },
      orderBy: { installedAt: 'desc' },
      select: { packageVersionId: true },
    });
    if (!installation) return null;
    return this.prisma.feature.findUnique({ where: { packageVersionId_key: { packageVersionId: installation.packageVersionId, key } } });
  }

  installationsByTenantIds(tenantIds: readonly string[], scope: string | null, drafts: DraftVisibility): Promise<Installation[]> {
    const wanted = tenantIds.filter((id) => isUuid(id) && (scope === null || id === scope));
    if (wanted.length === 0) return Promise.resolve([]);
    // An installed draft (only the operator can make one) does not exist for a tenant either.
    return this.prisma.$queryRaw<Installation[]>`
      SELECT i.id, i.tenant_id AS "tenantId", i.package_id AS "packageId", i.package_version_id AS "packageVersionId",
             i.installed_at AS "installedAt"
      FROM installations i JOIN package_versions v ON v.id = i.package_version_id JOIN packages p ON p.id = v.package_id
      WHERE i.tenant_id = ANY(${arrayLiteral(wanted)}::uuid[]) AND ${draftsSql(drafts, Prisma.sql`p.status`)}
      ORDER BY p.slug`;
  }

  /** The same page of versions for each package, in one statement. */
  versionPagesFor(packageIds: readonly string[], query: VersionQuery): Promise<Map<string, PackageVersion[]>> {
    return this.versions.pagesFor(OF_PACKAGE, packageIds, query);
  }

  versionCountsFor(packageIds: readonly string[], query: VersionQuery): Promise<Map<string, number>> {
    return this.versions.countsFor(OF_PACKAGE, packageIds, query);
  }

  versionsBehind(query: VersionQuery, packageId: string): Promise<boolean> {
    return this.versions.behind(query, { key: OF_PACKAGE, id: packageId });
  }

  /** The same page of installations for each tenant, in one statement. */
  installationPagesFor(tenantIds: readonly string[], query: InstallationQuery): Promise<Map<string, InstallationRow[]>> {
    return this.installations.pagesFor(OF_TENANT, tenantIds, query);
  }

  installationCountsFor(tenantIds: readonly string[], query: InstallationQuery): Promise<Map<string, number>> {
    return this.installations.countsFor(OF_TENANT, tenantIds, query);
  }

  installationsBehind(query: InstallationQuery, tenantId: string): Promise<boolean> {
    return this.installations.behind(query, { key: OF_TENANT, id: tenantId });
  }
}
