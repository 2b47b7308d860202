import type { PrismaClient } from '@prisma/client';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import { checkFeatureContract, FeatureContractError, InputSchemaCache, InputSchemaError, parsePolicy, PolicyError, type AttributesValidator, type Policy } from './policy';

export interface InstalledFeature {
  packageVersionId: string;
  policy: Policy;
  policyHash: string;
  /** The installed version's input schema, compiled: the problems with a caller's attributes, or none. */
  validate: AttributesValidator;
}

export type FeatureLookup =
  | { kind: 'ok'; feature: InstalledFeature }
  | { kind: 'no_tenant' }
  | { kind: 'suspended' }
  | { kind: 'not_installed' }
  /** The installed version was stored before input contracts: it cannot decide (fail closed). */
  | { kind: 'no_input_schema'; packageVersionId: string }
  /** The installed version's schema does not compile, or its policy reads what the schema does not declare. */
  | { kind: 'contract_invalid'; packageVersionId: string; problem: string };

type Loaded = { kind: 'ok'; policy: Policy; validate: AttributesValidator } | { kind: 'contract_invalid'; problem: string };

/**
 * What the decisions domain needs to know from the tenants and packages
 * domains to make a decision: is the tenant active, and which policy and
 * input schema does its installed version of the feature carry. It reads
 * their tables directly, in one indexed statement, because they share a
 * database today and a decision sits on the hot path; were the domains
 * split, this one module becomes a call to the packages service.
 */
export class PolicyCatalog {
  // A feature version is immutable, and the key names its content, so what is
  // loaded (policy parsed, schema compiled, contract checked, or the reason
  // it failed) is kept for as long as the process lives: once per version.
  private readonly loaded = new Map<string, Loaded>();
  private readonly schemas = new InputSchemaCache();

  constructor(private readonly prisma: PrismaClient) {}

  async lookup(tenantId: string, featureKey: string): Promise<FeatureLookup> {
    const rows = await this.prisma.$queryRaw<
      Array<{ status: string; packageVersionId: string | null; policy: unknown; policyHash: string | null; inputSchema: unknown }>
    >`
      SELECT t.status::text AS status, f.package_version_id AS "packageVersionId", f.policy, f.policy_hash AS "policyHash",
             f.input_schema AS "inputSchema"
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
    if (row.inputSchema === null || row.inputSchema === undefined) return { kind: 'no_input_schema', packageVersionId: row.packageVersionId };
    const key = `${row.policyHash}:${sha256Hex(canonicalJson(row.inputSchema))}`;
    let loaded = this.loaded.get(key);
    if (!loaded) this.loaded.set(key, (loaded = this.load(row.policy, row.inputSchema)));
    if (loaded.kind === 'contract_invalid') return { kind: 'contract_invalid', packageVersionId: row.packageVersionId, problem: loaded.problem };
    return { kind: 'ok', feature: { packageVersionId: row.packageVersionId, policy: loaded.policy, policyHash: row.policyHash, validate: loaded.validate } };
  }

  private load(policyJson: unknown, inputSchema: unknown): Loaded {
    try {
      const policy = parsePolicy(policyJson);
      const validate = this.schemas.validatorFor(inputSchema);
      checkFeatureContract(policy, inputSchema);
      return { kind: 'ok', policy, validate };
    } catch (error) {
      if (error instanceof PolicyError || error instanceof InputSchemaError || error instanceof FeatureContractError) {
        return { kind: 'contract_invalid', problem: `${error.name}: ${error.message}` };
      }
      throw error;
    }
  }
}
