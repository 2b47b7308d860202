import type { Feature, Installation, Package, PackageVersion, PrismaClient } from '@prisma/client';
import { isUuid } from '../../lib/ids';
import type { PackageFilter } from './__generated__/resolvers-types';

/** Data access for the packages domain: the marketplace catalogue is global, installations are per tenant. */
export class PackageStore {
  constructor(private readonly prisma: PrismaClient) {}

  packagesByIds(ids: readonly string[]): Promise<Package[]> {
    return this.prisma.package.findMany({ where: { id: { in: ids.filter(isUuid) } } });
  }

  packageBySlug(slug: string): Promise<Package | null> {
    return this.prisma.package.findUnique({ where: { slug } });
  }

  list(filter: PackageFilter | null | undefined): Promise<Package[]> {
    // Prisma's `contains` becomes ILIKE '%…%' without escaping the pattern's own wildcards.
    const search = filter?.search?.trim().replace(/[\\%_]/g, '\\$&');
    return this.prisma.package.findMany({
      where: {
        ...(filter?.status && { status: filter.status }),
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

  versionsByIds(ids: readonly string[]): Promise<PackageVersion[]> {
    return this.prisma.packageVersion.findMany({ where: { id: { in: ids.filter(isUuid) } } });
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

  installationsByTenantIds(tenantIds: readonly string[], scope: string | null): Promise<Installation[]> {
    const wanted = tenantIds.filter((id) => isUuid(id) && (scope === null || id === scope));
    if (wanted.length === 0) return Promise.resolve([]);
    return this.prisma.installation.findMany({
      where: { tenantId: { in: wanted } },
      orderBy: [{ packageVersion: { package: { slug: 'asc' } } }],
    });
  }
}
