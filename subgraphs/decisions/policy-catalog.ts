import type { PrismaClient } from '@prisma/client';
import { parsePolicy, type Policy } from './policy';

export interface InstalledFeature {
  packageVersionId: string;
  policy: Policy;
  policyHash: string;
}

export type FeatureLookup =
  | { kind: 'ok'; feature: InstalledFeature }
  | { kind: 'no_tenant' }
  | { kind: 'suspended' }
  | { kind: 'not_installed' };

/**
 * What the decisions domain needs to know from the tenants and packages
 * domains to make a decision: is the tenant active, and which policy does
 * its installed version of the feature carry. It reads their tables
 * directly, in one indexed statement, because they share a database today
 * and a decision sits on the hot path; were the domains split, this one
 * module becomes a call to the packages service.
 */
export class PolicyCatalog {
  // Stored policies never change (a version is immutable, and the hash names
  // the content), so a parsed policy can be kept for as long as the process lives.
  private readonly parsed = new Map<string, Policy>();

  constructor(private readonly prisma: PrismaClient) {}

  async lookup(tenantId: string, featureKey: string): Promise<FeatureLookup> {
    const rows = await this.prisma.$queryRaw<Array<{ status: string; packageVersionId: string | null; policy: unknown; policyHash: string | null }>>`
      SELECT t.status::text AS status, f.package_version_id AS "packageVersionId", f.policy, f.policy_hash AS "policyHash"
        FROM tenants t
        LEFT JOIN installations i ON i.tenant_id = t.id
        LEFT JOIN features f ON f.package_version_id = i.package_version_id AND f.key = ${featureKey}
       WHERE t.id = ${tenantId}::uuid
       ORDER BY (f.id IS NULL), i.installed_at DESC
       LIMIT 1`;
    const [row] = rows;
    if (!row) return { kind: 'no_tenant' };
    if (row.status === 'SUSPENDED') return { kind: 'suspended' };
    if (!row.packageVersionId || !row.policyHash) return { kind: 'not_installed' };
    let policy = this.parsed.get(row.policyHash);
    if (!policy) this.parsed.set(row.policyHash, (policy = parsePolicy(row.policy)));
    return { kind: 'ok', feature: { packageVersionId: row.packageVersionId, policy, policyHash: row.policyHash } };
  }
}
