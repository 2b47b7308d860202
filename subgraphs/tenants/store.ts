import type { PrismaClient, Tenant } from '@prisma/client';
import { isUuid } from '../../lib/ids';
import type { TenantFilter } from './__generated__/resolvers-types';

/**
 * Data access for the tenants domain. `scope` is the caller's tenant: when
 * set, rows of any other tenant are invisible, exactly as if they did not exist.
 */
export class TenantStore {
  constructor(private readonly prisma: PrismaClient) {}

  async byIds(ids: readonly string[], scope: string | null): Promise<Tenant[]> {
    const wanted = ids.filter((id) => isUuid(id) && (scope === null || id === scope));
    if (wanted.length === 0) return [];
    return this.prisma.tenant.findMany({ where: { id: { in: wanted } } });
  }

  async bySlug(slug: string, scope: string | null): Promise<Tenant | null> {
    const tenant = await this.prisma.tenant.findUnique({ where: { slug } });
    return tenant && (scope === null || tenant.id === scope) ? tenant : null;
  }

  list(filter: TenantFilter | null | undefined, scope: string | null): Promise<Tenant[]> {
    return this.prisma.tenant.findMany({
      where: {
        ...(scope !== null && { id: scope }),
        ...(filter?.plan && { plan: filter.plan }),
        ...(filter?.status && { status: filter.status }),
      },
      orderBy: { slug: 'asc' },
    });
  }
}
