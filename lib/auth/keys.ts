import { randomUUID } from 'node:crypto';
import type { Scope } from '../caller';
import { generateApiKey, type KeyEnvironment } from './api-key';

/** A pg Pool or Client. */
export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

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
  tenantSlug: string;
  name: string;
  scopes: Scope[];
  environment: KeyEnvironment;
  expiresAt?: Date | null;
}

const SELECT = `SELECT k.id, k.tenant_id AS "tenantId", t.slug AS "tenantSlug", k.name, k.prefix, k.scopes,
  k.environment::text AS environment, k.expires_at AS "expiresAt", k.revoked_at AS "revokedAt",
  k.last_used_at AS "lastUsedAt", k.created_at AS "createdAt"
  FROM api_keys k JOIN tenants t ON t.id = k.tenant_id`;

export class KeyError extends Error {}

/** Creates a key; the returned `key` is the only time the secret exists outside the caller's hands. */
export async function createApiKey(db: Queryable, input: CreateApiKeyInput): Promise<{ record: ApiKeyRecord; key: string }> {
  if (input.scopes.length === 0) throw new KeyError('a key needs at least one scope');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new KeyError('expiresAt must be in the future');
  const { rows: [tenant] } = await db.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [input.tenantSlug]);
  if (!tenant) throw new KeyError(`no tenant with slug ${input.tenantSlug}`);
  const { key, prefix, secretHash } = generateApiKey(input.environment);
  const id = randomUUID();
  await db.query(
    `INSERT INTO api_keys (id, tenant_id, name, prefix, secret_hash, scopes, environment, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::"ApiKeyEnvironment", $8)`,
    [id, tenant.id, input.name, prefix, secretHash, input.scopes, input.environment, input.expiresAt ?? null],
  );
  const { rows: [record] } = await db.query<ApiKeyRecord>(`${SELECT} WHERE k.id = $1`, [id]);
  return { record, key };
}

export async function listApiKeys(db: Queryable, tenantSlug?: string): Promise<ApiKeyRecord[]> {
  const { rows } = tenantSlug
    ? await db.query<ApiKeyRecord>(`${SELECT} WHERE t.slug = $1 ORDER BY k.created_at, k.id`, [tenantSlug])
    : await db.query<ApiKeyRecord>(`${SELECT} ORDER BY t.slug, k.created_at, k.id`);
  return rows;
}

/** Revokes a key (idempotent: revoking twice keeps the first time); null when no key has that id. */
export async function revokeApiKey(db: Queryable, id: string): Promise<ApiKeyRecord | null> {
  await db.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id]);
  const { rows: [record] } = await db.query<ApiKeyRecord>(`${SELECT} WHERE k.id = $1`, [id]);
  return record ?? null;
}
