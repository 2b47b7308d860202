import { Prisma, type PrismaClient } from '@prisma/client';
import type { Pool } from 'pg';
import { appendAuditEvents } from '../../lib/audit-log/chain';
import { domainEvent, type ChangeActor } from '../../lib/audit-log/events';
import { inTransaction, runSql, type SqlClient } from '../../lib/sql';
import { uuidV7 } from '../../lib/ids';
import { generateApiKey } from '../../lib/api-key';
import type { KeyEnvironment, KeyStatus, Scope } from '../../lib/vocabulary';

export interface ApiKeyRecord {
  id: string;
  /** Null for a platform operator's key. */
  tenantId: string | null;
  tenantSlug: string | null;
  name: string;
  prefix: string;
  scopes: Scope[];
  environment: KeyEnvironment;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface CreateApiKeyInput {
  /** The tenant, by slug (CLI) or id (GraphQL). */
  tenant: { slug: string } | { id: string };
  name: string;
  scopes: Scope[];
  environment: KeyEnvironment;
  expiresAt?: Date | null;
}

const SELECT = Prisma.sql`SELECT k.id, k.tenant_id AS "tenantId", t.slug AS "tenantSlug", k.name, k.prefix, k.scopes,
  k.environment::text AS environment, k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt",
  k.last_used_at AS "lastUsedAt", k.created_at AS "createdAt"
  FROM api_keys k LEFT JOIN tenants t ON t.id = k.tenant_id`;

export class KeyError extends Error {}

/** A key's status is derived, never stored: revoked wins over expired, and expiry is checked at `now`. */
export function keyStatus(key: Pick<ApiKeyRecord, 'revokedAt' | 'expiresAt'>, now = Date.now()): KeyStatus {
  if (key.revokedAt) return 'REVOKED';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'EXPIRED';
  return 'ACTIVE';
}

function keyEvent(action: 'api_key.created' | 'api_key.revoked', record: ApiKeyRecord, by: ChangeActor) {
  // The key's public description is the record; the secret never reaches the log.
  return domainEvent(by, { tenantId: record.tenantId, action, scope: 'admin', resource: { type: 'api_key', id: record.id }, contentSha256: null });
}

/**
 * Creates a key and its `api_key.created` audit event in one transaction.
 * The returned `key` is the only time the secret exists outside the caller's hands.
 */
export async function createApiKey(db: Pool | PrismaClient, input: CreateApiKeyInput, by: ChangeActor): Promise<{ record: ApiKeyRecord; key: string }> {
  const where = 'slug' in input.tenant ? Prisma.sql`slug = ${input.tenant.slug}` : Prisma.sql`id = ${input.tenant.id}::uuid`;
  return insertKey(db, input, by, async (tx) => {
    const [tenant] = await runSql<{ id: string }>(tx, Prisma.sql`SELECT id FROM tenants WHERE ${where}`);
    if (!tenant) throw new KeyError('no such tenant');
    return tenant.id;
  });
}

/** What an operator key may carry: reading every tenant and managing their keys; never writes made for a tenant. */
export const OPERATOR_SCOPES: readonly Scope[] = ['read', 'admin'];

/**
 * A platform operator's key: it names no tenant, so it reads across
 * tenants. Only the command line calls this (no GraphQL path reaches it);
 * its `api_key.created` event goes on the platform chain.
 */
export async function createOperatorKey(db: Pool | PrismaClient, input: Omit<CreateApiKeyInput, 'tenant'>, by: ChangeActor): Promise<{ record: ApiKeyRecord; key: string }> {
  const extra = input.scopes.filter((s) => !OPERATOR_SCOPES.includes(s));
  if (extra.length) throw new KeyError(`an operator key carries only ${OPERATOR_SCOPES.join(', ')}; not ${extra.join(', ')}`);
  return insertKey(db, input, by, async () => null);
}

async function insertKey(
  db: Pool | PrismaClient,
  input: Omit<CreateApiKeyInput, 'tenant'>,
  by: ChangeActor,
  tenantOf: (tx: SqlClient) => Promise<string | null>,
): Promise<{ record: ApiKeyRecord; key: string }> {
  if (input.scopes.length === 0) throw new KeyError('a key needs at least one scope');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new KeyError('expiresAt must be in the future');
  if (!input.name.trim() || input.name.length > 100) throw new KeyError('name must be 1 to 100 characters');
  const { key, prefix, secretHash } = generateApiKey(input.environment);
  const id = uuidV7();
  const record = await inTransaction(db, async (tx) => {
    const tenantId = await tenantOf(tx);
    await runSql(tx, Prisma.sql`INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash, scopes, environment, expires_at)
      VALUES (${id}::uuid, ${tenantId}::uuid, ${input.name.trim()}, ${prefix}, ${secretHash}, ${input.scopes}::text[],
              ${input.environment}::"ApiKeyEnvironment", ${input.expiresAt ?? null}::timestamptz)`);
    const [created] = await runSql<ApiKeyRecord>(tx, Prisma.sql`${SELECT} WHERE k.id = ${id}::uuid`);
    await appendAuditEvents(tx, [keyEvent('api_key.created', created, by)]);
    return created;
  });
  return { record, key };
}

/** Which keys a listing covers: one tenant's, every tenant's, or (CLI only) every key, operator keys included. */
export type KeyListing = { slug: string } | { id: string } | 'all tenants' | 'everything';

export function listApiKeys(db: SqlClient, listing: KeyListing): Promise<ApiKeyRecord[]> {
  if (listing === 'everything') return runSql(db, Prisma.sql`${SELECT} ORDER BY t.slug NULLS FIRST, k.created_at, k.id`);
  if (listing === 'all tenants') return runSql(db, Prisma.sql`${SELECT} WHERE k.tenant_id IS NOT NULL ORDER BY t.slug, k.created_at, k.id`);
  const where = 'slug' in listing ? Prisma.sql`t.slug = ${listing.slug}` : Prisma.sql`t.id = ${listing.id}::uuid`;
  return runSql(db, Prisma.sql`${SELECT} WHERE ${where} ORDER BY k.created_at, k.id`);
}

/** Whose key may be revoked: one tenant's, any tenant's, or (CLI only) any key at all. */
export type RevocableBy = { tenantId: string } | 'any tenant' | 'anything';

/**
 * Revokes a key, with its `api_key.revoked` event in the same transaction.
 * Revoking twice keeps the first time and writes no second event. Null when
 * no key with that id is within `within`: the same answer as for an unknown
 * id, so a tenant admin cannot probe for other tenants' key ids.
 */
export async function revokeApiKey(db: Pool | PrismaClient, id: string, by: ChangeActor, within: RevocableBy = 'anything'): Promise<ApiKeyRecord | null> {
  const scope =
    within === 'anything' ? Prisma.empty
    : within === 'any tenant' ? Prisma.sql`AND tenant_id IS NOT NULL`
    : Prisma.sql`AND tenant_id = ${within.tenantId}::uuid`;
  return inTransaction(db, async (tx) => {
    const [visible] = await runSql<{ id: string }>(tx, Prisma.sql`SELECT id FROM api_keys WHERE id = ${id}::uuid ${scope} FOR UPDATE`);
    if (!visible) return null;
    const changed = await runSql<{ id: string }>(tx, Prisma.sql`UPDATE api_keys SET revoked_at = now() WHERE id = ${id}::uuid AND revoked_at IS NULL RETURNING id`);
    const [record] = await runSql<ApiKeyRecord>(tx, Prisma.sql`${SELECT} WHERE k.id = ${id}::uuid`);
    if (record && changed.length) await appendAuditEvents(tx, [keyEvent('api_key.revoked', record, by)]);
    return record ?? null;
  });
}

/** Key management bound to the subgraph's database, as resolvers use it. */
export class ApiKeyStore {
  constructor(private readonly prisma: PrismaClient) {}

  create(input: CreateApiKeyInput, by: ChangeActor) {
    return createApiKey(this.prisma, input, by);
  }

  list(listing: { id: string } | 'all tenants') {
    return listApiKeys(this.prisma, listing);
  }

  revoke(id: string, by: ChangeActor, within: { tenantId: string } | 'any tenant') {
    return revokeApiKey(this.prisma, id, by, within);
  }
}
