/**
 * API key administration:
 *   npm run keys -- create --tenant <slug> --scopes read,write [--env sandbox|production] [--name N] [--expires 2027-01-01T00:00:00Z]
 *   npm run keys -- create-operator --name N [--scopes read,admin] [--env ...] [--expires ...]
 *   npm run keys -- list [--tenant <slug>]
 *   npm run keys -- revoke <key id>
 * Uses DATABASE_URL. The secret is printed once, at creation; only its hash is stored.
 */
import { parseArgs } from 'node:util';
import { Pool } from 'pg';
import { SCOPES, type Scope } from '../lib/vocabulary';
import { poolConfigFromUrl } from '../lib/database-url';
import { loadEnv, requireDatabaseUrl } from '../lib/env';
import { createApiKey, createOperatorKey, KeyError, keyStatus, listApiKeys, OPERATOR_SCOPES, revokeApiKey, type ApiKeyRecord } from '../subgraphs/tenants/api-keys';
import { isUuid } from '../lib/ids';
import { newRequestId } from '../lib/request-id';

// Key changes from the command line are audited as the platform's own, by the operator who ran it.
const BY = { requestId: newRequestId(), actor: `cli:${process.env.USER ?? 'unknown'}`, surface: 'INTERNAL' as const };

const USAGE = `usage:
  npm run keys -- create --tenant <slug> --scopes read,write [--env sandbox|production] [--name <name>] [--expires <ISO instant>]
  npm run keys -- create-operator --name <name> [--scopes ${OPERATOR_SCOPES.join(',')}] [--env sandbox|production] [--expires <ISO instant>]
      a platform operator's key: no tenant, reads across every tenant (each read is also recorded on that tenant's chain)
  npm run keys -- list [--tenant <slug>]
  npm run keys -- revoke <key id>`;

function parseScopes(value: string | undefined): Scope[] {
  const scopes = (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = scopes.filter((s) => !SCOPES.includes(s as Scope));
  if (!scopes.length || unknown.length) throw new KeyError(`--scopes takes a comma list of ${SCOPES.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
  return scopes as Scope[];
}

function describe(k: ApiKeyRecord): string {
  return [k.id, k.tenantSlug ?? 'OPERATOR', k.prefix, k.scopes.join(','), k.environment.toLowerCase(), keyStatus(k).toLowerCase(), k.name,
    `last used ${k.lastUsedAt?.toISOString() ?? 'never'}`].join('  ');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { tenant: { type: 'string' }, scopes: { type: 'string' }, env: { type: 'string' }, name: { type: 'string' }, expires: { type: 'string' } },
  });
  const [command, id] = positionals;
  const url = requireDatabaseUrl(loadEnv());
  const pool = new Pool(poolConfigFromUrl(url, { max: 1 }));
  try {
    if (command === 'create' || command === 'create-operator') {
      const env = (values.env ?? 'sandbox').toUpperCase();
      if (env !== 'SANDBOX' && env !== 'PRODUCTION') throw new KeyError('--env is sandbox or production');
      const expiresAt = values.expires ? new Date(values.expires) : null;
      if (expiresAt && Number.isNaN(expiresAt.getTime())) throw new KeyError('--expires takes an ISO-8601 instant');
      const common = { environment: env as 'SANDBOX' | 'PRODUCTION', expiresAt };
      let created;
      if (command === 'create') {
        if (!values.tenant) throw new KeyError('--tenant <slug> is required');
        const name = values.name ?? `created by ${process.env.USER ?? 'cli'} on ${new Date().toISOString().slice(0, 10)}`;
        created = await createApiKey(pool, { ...common, tenant: { slug: values.tenant }, name, scopes: parseScopes(values.scopes ?? 'read') }, BY);
      } else {
        if (values.tenant) throw new KeyError('an operator key names no tenant: drop --tenant');
        // Named on purpose: an operator key is found in lists by who holds it.
        if (!values.name) throw new KeyError('--name <who holds it> is required for an operator key');
        created = await createOperatorKey(pool, { ...common, name: values.name, scopes: parseScopes(values.scopes ?? OPERATOR_SCOPES.join(',')) }, BY);
      }
      console.log(describe(created.record));
      console.log(`\nkey (shown once, store it now):\n${created.key}`);
    } else if (command === 'list') {
      for (const record of await listApiKeys(pool, values.tenant ? { slug: values.tenant } : 'everything')) console.log(describe(record));
    } else if (command === 'revoke') {
      if (!id || !isUuid(id)) throw new KeyError('revoke takes a key id (a UUID, as `keys list` shows)');
      const record = await revokeApiKey(pool, id, BY);
      if (!record) throw new KeyError(`no key with id ${id}`);
      console.log(describe(record));
    } else {
      throw new KeyError(USAGE);
    }
  } finally {
    await pool.end();
  }
}

main().catch((err) => {
  console.error(err instanceof KeyError ? err.message : `keys failed: ${(err as Error).message}`);
  process.exit(err instanceof KeyError ? 2 : 1);
});
