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
  tenantId: string;
  tenantSlug: string;
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
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id`;

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
  if (input.scopes.length === 0) throw new KeyError('a key needs at least one scope');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new KeyError('expiresAt must be in the future');
  if (!input.name.trim() || input.name.length > 100) throw new KeyError('name must be 1 to 100 characters');
  const where = 'slug' in input.tenant ? Prisma.sql`slug = ${input.tenant.slug}` : Prisma.sql`id = ${input.tenant.id}::uuid`;
  const { key, prefix, secretHash } = generateApiKey(input.environment);
  const id = uuidV7();
  const record = await inTransaction(db, async (tx) => {
    const [tenant] = await runSql<{ id: string }>(tx, Prisma.sql`SELECT id FROM tenants WHERE ${where}`);
    if (!tenant) throw new KeyError('no such tenant');
    await runSql(tx, Prisma.sql`INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash, scopes, environment, expires_at)
      VALUES (${id}::uuid, ${tenant.id}::uuid, ${input.name.trim()}, ${prefix}, ${secretHash}, ${input.scopes}::text[],
              ${input.environment}::"ApiKeyEnvironment", ${input.expiresAt ?? null}::timestamptz)`);
    const [created] = await runSql<ApiKeyRecord>(tx, Prisma.sql`${SELECT} WHERE k.id = ${id}::uuid`);
    await appendAuditEvents(tx, [keyEvent('api_key.created', created, by)]);
    return created;
  });
  return { record, key };
}

export function listApiKeys(db: SqlClient, tenant?: { slug: string } | { id: string }): Promise<ApiKeyRecord[]> {
  if (!tenant) return runSql(db, Prisma.sql`${SELECT} ORDER BY t.slug, k.created_at, k.id`);
  const where = 'slug' in tenant ? Prisma.sql`t.slug = ${tenant.slug}` : Prisma.sql`t.id = ${tenant.id}::uuid`;
  return runSql(db, Prisma.sql`${SELECT} WHERE ${where} ORDER BY k.created_at, k.id`);
}

/**
 * Revokes a key, with its `api_key.revoked` event in the same transaction.
 * Revoking twice keeps the first time and writes no second event. Null when
 * no key has that id.
 */
export async function revokeApiKey(db: Pool | PrismaClient, id: string, by: ChangeActor): Promise<ApiKeyRecord | null> {
  return inTransaction(db, async (tx) => {
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

  list(tenant?: { id: string }) {
    return listApiKeys(this.prisma, tenant);
  }

  revoke(id: string, by: ChangeActor) {
    return revokeApiKey(this.prisma, id, by);
  }
}
