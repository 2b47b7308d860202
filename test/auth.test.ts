import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SignJWT } from 'jose';
import { generateApiKey } from '../lib/api-key';
import { createHmac } from 'node:crypto';
import { decodeKeyPair, generateInternalKeyPair } from '../lib/internal-keys';
import { CallerSigner, INTERNAL_CALLER_HEADER } from '../lib/internal-token';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant } from './helpers/scratch-tenant';
import { SEED } from './helpers/seed-constants';
import { graphql, postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';

let system: RunningSystem;
let url: string;
const creds = testCredentials();

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
});
afterAll(() => system.close());

const TENANTS = '{ tenants { id slug } }';
const asKey = (key: string) => ({ 'x-api-key': key });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function token(claims: Record<string, unknown>, options: { expiresIn?: string; secret?: string; issuer?: string; audience?: string } = {}) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('analyst@example.test')
    .setIssuedAt()
    .setIssuer(options.issuer ?? creds.jwt.issuer)
    .setAudience(options.audience ?? creds.jwt.audience)
    .setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(new TextEncoder().encode(options.secret ?? creds.jwt.secret));
}

describe('API keys', () => {
  it('are accepted as X-API-Key or as a bearer token, and scope the caller to their tenant', async () => {
    for (const headers of [asKey(creds.keys.readA), bearer(creds.keys.readA)]) {
      const res = await graphql(url, TENANTS, undefined, headers);
      expect(res.status).toBe(200);
      expect(res.errors).toBeUndefined();
      expect(res.data.tenants).toEqual([creds.tenantA]);
    }
  });

  it.each([
    ['missing', {}, 'missing'],
    ['a non-bearer Authorization', { authorization: 'Basic dXNlcjpwYXNz' }, 'malformed'],
    ['a malformed key', asKey('mai_live_nope'), 'malformed'],
    ['something that is neither key nor token', asKey('hunter2'), 'malformed'],
    ['an unknown key', asKey(generateApiKey('SANDBOX').key), 'unknown_key'],
    ['a known prefix with the wrong secret', asKey(creds.keys.readA.slice(0, -4) + 'AAAA'), 'unknown_key'],
    ['an expired key', asKey(creds.keys.expiredA), 'expired'],
    ['a revoked key', asKey(creds.keys.revokedA), 'revoked'],
    ['two different credentials', { ...asKey(creds.keys.readA), ...bearer(creds.keys.readB) }, 'ambiguous'],
  ])('refuse %s with 401 UNAUTHENTICATED', async (_name, headers, reason) => {
    const res = await postGraphQL(url, TENANTS, undefined, { ...headers, 'x-request-id': 'auth-test-0001' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    // The server's own id, never the client's; the client's comes back as the correlation id.
    const requestId = res.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_[0-9a-f]{32}$/);
    expect(res.headers.get('x-correlation-id')).toBe('auth-test-0001');
    expect(res.errors).toEqual([{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED', reason, requestId } }]);
    expect(res.data).toBeUndefined();
  });

  it('record when they were last used', async () => {
    // A key of its own: a shared key used by another test in the last minute would not be stamped again (minute precision).
    const fresh = (await createScratchTenant({ features: [], scopeSets: [['read']] })).keys.read!;
    const prefix = fresh.split('_').slice(0, 3).join('_');
    expect((await sql('SELECT last_used_at FROM api_keys WHERE prefix = $1', [prefix]))[0].last_used_at).toBeNull();
    const before = Date.now();
    await graphql(url, TENANTS, undefined, asKey(fresh));
    // Recorded after the response, off the request's path: poll briefly.
    let lastUsed: Date | null = null;
    for (let i = 0; i < 50 && !lastUsed; i++) {
      const [row] = await sql('SELECT last_used_at FROM api_keys WHERE prefix = $1', [prefix]);
      lastUsed = row.last_used_at;
      if (!lastUsed) await new Promise((r) => setTimeout(r, 50));
    }
    expect(lastUsed!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
  });
});

describe('scopes', () => {
  it('refuse a query to a key without read, with 403-style FORBIDDEN and no data', async () => {
    const res = await graphql(url, '{ decisions(first: 1) { totalCount } }', undefined, asKey(creds.keys.writeOnlyA));
    expect(res.status).toBe(200);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'read' });
    expect(res.data).toEqual({ decisions: null });
  });

  it("keep a tenant's admin to its own tenant; only the platform operator reads across tenants", async () => {
    const asAdmin = await graphql(url, TENANTS, undefined, asKey(creds.keys.admin));
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data.tenants).toEqual([creds.tenantA]);
    const asOperator = await graphql(url, TENANTS, undefined, asKey(creds.keys.operator));
    expect(asOperator.data.tenants.length).toBeGreaterThan(2);
  });
});

describe('tenant isolation', () => {
  let decisionOfB: { id: string; request_id: string };
  beforeAll(async () => {
    [decisionOfB] = await sql('SELECT id, request_id FROM decisions WHERE tenant_id = $1 LIMIT 1', [creds.tenantB.id]);
  });

  it("answers another tenant's objects as not found", async () => {
    const { data, errors } = await graphql(
      url,
      `query($d: ID!, $t: ID!, $slug: String!) { decision(id: $d) { id } lineage(decisionId: $d) { requestId }
         tenant(id: $t) { id } bySlug: tenant(slug: $slug) { id } }`,
      { d: decisionOfB.id, t: creds.tenantB.id, slug: creds.tenantB.slug },
      asKey(creds.keys.readA),
    );
    expect(errors).toBeUndefined();
    expect(data).toEqual({ decision: null, lineage: null, tenant: null, bySlug: null });
  });

  it('lists only the caller\'s own rows', async () => {
    const { data, errors } = await graphql(
      url,
      `query($seeded: DateTime!) { decisions(first: 100) { totalCount edges { node { tenant { id } } } }
         auditEvents(first: 100, filter: { createdBefore: $seeded }) { totalCount edges { node { tenant { id } } } } }`,
      // Requests append audit events as the tests run: count the seeded ones, which stay put.
      { seeded: SEED.now.toISOString() },
      asKey(creds.keys.readA),
    );
    expect(errors).toBeUndefined();
    const [{ decisions }] = await sql('SELECT count(*)::int AS decisions FROM decisions WHERE tenant_id = $1', [creds.tenantA.id]);
    const [{ events }] = await sql('SELECT count(*)::int AS events FROM audit_events WHERE tenant_id = $1 AND created_at < $2', [creds.tenantA.id, SEED.now]);
    expect(data.decisions.totalCount).toBe(decisions);
    expect(data.auditEvents.totalCount).toBe(events);
    for (const e of [...data.decisions.edges, ...data.auditEvents.edges]) expect(e.node.tenant.id).toBe(creds.tenantA.id);
  });

  it('refuses a filter that names another tenant with FORBIDDEN', async () => {
    for (const field of ['decisions', 'auditEvents']) {
      const res = await graphql(url, `query($t: ID!) { ${field}(filter: { tenantId: $t }) { totalCount } }`, { t: creds.tenantB.id }, asKey(creds.keys.readA));
      expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it("finds nothing of another tenant's request by its request id", async () => {
    const query = `query($id: String!) { auditEvents(filter: { requestId: $id }) { totalCount } decisions(filter: { requestId: $id }) { totalCount } }`;
    const asA = await graphql(url, query, { id: decisionOfB.request_id }, asKey(creds.keys.readA));
    expect(asA.data).toEqual({ auditEvents: { totalCount: 0 }, decisions: { totalCount: 0 } });
    const asB = await graphql(url, query, { id: decisionOfB.request_id }, asKey(creds.keys.readB));
    expect(asB.data.auditEvents.totalCount).toBeGreaterThan(0);
  });
});

describe('JWT bearer tokens', () => {
  it('carry the tenant and scopes from their claims', async () => {
    const res = await graphql(url, TENANTS, undefined, bearer(await token({ tenant_id: creds.tenantB.id, scope: 'read' })));
    expect(res.errors).toBeUndefined();
    expect(res.data.tenants).toEqual([creds.tenantB]);
  });


  it.each([
    ['expired', () => token({ tenant_id: creds.tenantA.id, scope: 'read' }, { expiresIn: '-1m' }), 'expired'],
    ['signed with another secret', () => token({ tenant_id: creds.tenantA.id, scope: 'read' }, { secret: 'z'.repeat(64) }), 'invalid_token'],
    ['from another issuer', () => token({ tenant_id: creds.tenantA.id, scope: 'read' }, { issuer: 'https://evil.test' }), 'invalid_token'],
    ['for another audience', () => token({ tenant_id: creds.tenantA.id, scope: 'read' }, { audience: 'someone-else' }), 'invalid_token'],
    ['naming no tenant without admin', () => token({ scope: 'read' }), 'invalid_token'],
    // Only a CLI-made key is a platform operator: an identity provider's token cannot claim to be one.
    ['naming no tenant, even with admin', () => token({ scope: 'read admin' }), 'invalid_token'],
    ['naming a tenant that is not an id', () => token({ tenant_id: 'northwind', scope: 'read' }), 'invalid_token'],
  ])('are refused when %s', async (_name, make, reason) => {
    const res = await postGraphQL(url, TENANTS, undefined, bearer(await make()));
    expect(res.status).toBe(401);
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
  });

  it('without a scope claim can authenticate but do nothing', async () => {
    const res = await graphql(url, TENANTS, undefined, bearer(await token({ tenant_id: creds.tenantA.id })));
    expect(res.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('subgraphs reached directly', () => {
  const caller = { requestId: 'req_direct', actor: 'attacker', tenantId: null, scopes: new Set(['read', 'admin'] as const), surface: 'GRAPHQL' as const };
  const gatewayKey = () => new CallerSigner(decodeKeyPair(creds.callerKeys).privateKey);
  // The previous format: an HMAC over the payload, which any holder of the shared secret could mint.
  const hmacToken = (secret: string) => {
    const body = Buffer.from(JSON.stringify({ rid: 'req_direct', act: 'attacker', tid: null, scp: ['read', 'admin'], srf: 'GRAPHQL', exp: Math.floor(Date.now() / 1000) + 60 })).toString('base64url');
    return `v1.${body}.${createHmac('sha256', secret).update(`v1.${body}`).digest('base64url')}`;
  };

  it.each(['decisions', 'audit', 'packages', 'tenants'] as const)('%s refuses calls without a valid signed caller', async (name) => {
    const subgraphUrl = system.subgraphs[name].url;
    const attempts: Array<[Record<string, string>, string]> = [
      [{}, 'missing'],
      [asKey(creds.keys.admin), 'missing'],
      [{ [INTERNAL_CALLER_HEADER]: 'v1.e30.AAAA' }, 'malformed'],
      [{ [INTERNAL_CALLER_HEADER]: hmacToken(creds.cursorSecret) }, 'malformed'],
      [{ [INTERNAL_CALLER_HEADER]: new CallerSigner(generateInternalKeyPair().privateKey).sign(caller, name) }, 'bad_signature'],
      [{ [INTERNAL_CALLER_HEADER]: gatewayKey().sign(caller, name, Date.now() - 3_600_000) }, 'expired'],
      [{ [INTERNAL_CALLER_HEADER]: gatewayKey().sign(caller, name === 'audit' ? 'decisions' : 'audit') }, 'wrong_audience'],
    ];
    for (const [headers, reason] of attempts) {
      const res = await postGraphQL(subgraphUrl, '{ _service { sdl } }', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason });
      expect(res.data).toBeUndefined();
    }
    const signed = { [INTERNAL_CALLER_HEADER]: gatewayKey().sign(caller, name) };
    expect((await postGraphQL(subgraphUrl, '{ _service { sdl } }', undefined, signed)).status).toBe(200);
  });
});

describe('the keys command', () => {
  const run = (...args: string[]) =>
    promisify(execFile)(process.execPath, [require.resolve('tsx/cli'), 'scripts/keys.ts', ...args], {
      env: { ...process.env, DATABASE_URL: testDatabaseUrl() },
    });

  it('creates a key shown once, lists it without its secret, and revokes it', async () => {
    const created = await run('create', '--tenant', creds.tenantB.slug, '--scopes', 'read', '--env', 'production', '--name', 'cli test');
    const key = created.stdout.match(/mai_live_[0-9a-z]{12}_[0-9A-Za-z]{40}/)![0];
    const id = created.stdout.split(/\s+/)[0];
    const [{ secret_hash }] = await sql('SELECT secret_hash FROM api_keys WHERE id = $1', [id]);
    expect(secret_hash).not.toContain(key.slice(-40));
    expect((await graphql(url, TENANTS, undefined, asKey(key))).data.tenants).toEqual([creds.tenantB]);

    const listed = await run('list', '--tenant', creds.tenantB.slug);
    expect(listed.stdout).toContain(id);
    expect(listed.stdout).not.toContain(key.slice(-40));

    await run('revoke', id);
    const refused = await postGraphQL(url, TENANTS, undefined, asKey(key));
    expect(refused.errors?.[0].extensions?.reason).toBe('revoked');
  }, 60_000);

  it('refuses bad arguments with a message and exit code 2', async () => {
    await expect(run('create', '--tenant', creds.tenantB.slug, '--scopes', 'root')).rejects.toMatchObject({ code: 2, stderr: expect.stringContaining('unknown: root') });
    await expect(run('revoke', 'not-an-id')).rejects.toMatchObject({ code: 2 });
  }, 60_000);
});

describe('key management through GraphQL', () => {
  const CREATE = `mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id prefix scopes environment status tenant { slug } } } }`;

  it("lets a tenant's admin create a key for its own tenant, shown once, list it without its secret, and revoke it, each change audited as admin", async () => {
    const created = await graphql(url, CREATE, { input: { tenantId: creds.tenantA.id, name: 'graphql test', scopes: ['READ'], environment: 'PRODUCTION' } }, {
      'x-api-key': creds.keys.admin,
      'x-correlation-id': 'keys-create-0001',
    });
    expect(created.errors).toBeUndefined();
    const { key, apiKey } = created.data.createApiKey;
    expect(key).toMatch(/^mai_live_[0-9a-z]{12}_[0-9A-Za-z]{40}$/);
    expect(apiKey).toMatchObject({ scopes: ['READ'], environment: 'PRODUCTION', status: 'ACTIVE', tenant: { slug: creds.tenantA.slug } });
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    expect((await graphql(url, TENANTS, undefined, asKey(key))).data.tenants).toEqual([creds.tenantA]);

    const listed = await graphql(url, `{ apiKeys { id prefix status lastUsedAt tenant { id } } }`, undefined, asKey(creds.keys.admin));
    expect(listed.data.apiKeys.map((k: any) => k.id)).toContain(apiKey.id);
    expect(new Set(listed.data.apiKeys.map((k: any) => k.tenant.id))).toEqual(new Set([creds.tenantA.id]));
    expect(JSON.stringify(listed)).not.toContain(key.slice(-40));

    const revoked = await graphql(url, `mutation($id: ID!) { revokeApiKey(id: $id) { status revokedAt } }`, { id: apiKey.id }, {
      'x-api-key': creds.keys.admin,
      'x-correlation-id': 'keys-revoke-0001',
    });
    expect(revoked.data.revokeApiKey.status).toBe('REVOKED');
    expect((await postGraphQL(url, TENANTS, undefined, asKey(key))).errors?.[0].extensions?.reason).toBe('revoked');

    // The domain change is keyed by the server's request id; the client's id finds the call that made it.
    const [createCall] = await sql(`SELECT request_id, scope FROM audit_events WHERE correlation_id = 'keys-create-0001'`);
    expect(createCall).toEqual({ request_id: created.headers.get('x-request-id'), scope: 'admin' });
    const events = await sql(
      `SELECT request_id, action, resource_id, tenant_id FROM audit_events WHERE request_id = ANY($1) AND action LIKE 'api_key.%' ORDER BY action`,
      [[created.headers.get('x-request-id'), revoked.headers.get('x-request-id')]],
    );
    expect(events).toEqual([
      { request_id: created.headers.get('x-request-id'), action: 'api_key.created', resource_id: apiKey.id, tenant_id: creds.tenantA.id },
      { request_id: revoked.headers.get('x-request-id'), action: 'api_key.revoked', resource_id: apiKey.id, tenant_id: creds.tenantA.id },
    ]);
  });

  it("refuses a tenant's admin every key of another tenant: minting, listing and revoking, and changes nothing", async () => {
    const before = await sql('SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1', [creds.tenantB.id]);
    const mint = await graphql(url, CREATE, { input: { tenantId: creds.tenantB.id, name: 'takeover', scopes: ['ADMIN'] } }, asKey(creds.keys.admin));
    expect(mint.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(mint.data).toBeNull();
    expect(await sql('SELECT count(*)::int AS n FROM api_keys WHERE tenant_id = $1', [creds.tenantB.id])).toEqual(before);

    const list = await graphql(url, 'query($t: ID) { apiKeys(tenantId: $t) { id } }', { t: creds.tenantB.id }, asKey(creds.keys.admin));
    expect(list.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const [keyOfB] = await sql("SELECT id FROM api_keys WHERE tenant_id = $1 AND revoked_at IS NULL AND name <> 'revoked' LIMIT 1", [creds.tenantB.id]);
    const revoke = await graphql(url, 'mutation($id: ID!) { revokeApiKey(id: $id) { status } }', { id: keyOfB.id }, asKey(creds.keys.admin));
    expect(revoke.data).toEqual({ revokeApiKey: null });
    expect(await sql('SELECT revoked_at FROM api_keys WHERE id = $1', [keyOfB.id])).toEqual([{ revoked_at: null }]);
    expect((await graphql(url, TENANTS, undefined, asKey(creds.keys.readB))).data.tenants).toEqual([creds.tenantB]);
  });

  it('lets the platform operator list every tenant\'s keys, and never mints an operator key through the graph', async () => {
    const listed = await graphql(url, '{ apiKeys { tenant { id } } }', undefined, asKey(creds.keys.operator));
    const tenants = new Set(listed.data.apiKeys.map((k: any) => k.tenant?.id));
    expect(tenants.has(creds.tenantA.id) && tenants.has(creds.tenantB.id)).toBe(true);
    const noTenant = await graphql(url, CREATE, { input: { name: 'sneaky operator', scopes: ['ADMIN'] } }, asKey(creds.keys.operator));
    expect(noTenant.errors?.[0].extensions?.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
  });

  it('refuses key management to a key without the admin scope', async () => {
    const create = await graphql(url, CREATE, { input: { tenantId: creds.tenantA.id, name: 'nope', scopes: ['ADMIN'] } }, asKey(creds.keys.readWriteA));
    expect(create.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredScope: 'admin' });
    const list = await graphql(url, '{ apiKeys { id } }', undefined, asKey(creds.keys.readWriteA));
    expect(list.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses bad input with BAD_USER_INPUT', async () => {
    for (const input of [
      { tenantId: creds.tenantA.id, name: 'x', scopes: [] },
      { tenantId: creds.tenantA.id, name: 'x', scopes: ['READ'], expiresAt: '2020-01-01T00:00:00Z' },
      { tenantId: '00000000-0000-4000-8000-000000000000', name: 'x', scopes: ['READ'] },
      { tenantId: creds.tenantA.id, name: 'x', scopes: ['ROOT'] },
    ]) {
      const res = await graphql(url, CREATE, { input });
      expect(res.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    }
  });
});

describe('logs', () => {
  it('never contain a key or a token, whatever happens to the request', async () => {
    const lines: string[] = [];
    const capture = (stream: NodeJS.WriteStream) => {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        lines.push(String(chunk));
        return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      return () => (stream.write = original);
    };
    process.env.TEST_LOG_LEVEL = 'debug';
    const noisy = await startTestSystem();
    delete process.env.TEST_LOG_LEVEL;
    const restore = [capture(process.stdout), capture(process.stderr)];
    const jwt = await token({ tenant_id: creds.tenantA.id, scope: 'read' });
    try {
      const url = noisy.gateway.url;
      await graphql(url, TENANTS, undefined, asKey(creds.keys.readA));
      await graphql(url, TENANTS, undefined, asKey(creds.keys.readA.slice(0, -3) + 'xyz'));
      await graphql(url, TENANTS, undefined, asKey(creds.keys.revokedA));
      await graphql(url, '{ decisions(first: -1) { totalCount } }', undefined, bearer(jwt));
      await fetch(url.replace('/graphql', '/v1/decisions'), { method: 'POST', headers: { 'x-api-key': creds.keys.readA, 'content-type': 'application/json' }, body: '{' });
    } finally {
      restore.forEach((undo) => undo());
      await noisy.close();
    }
    const log = lines.join('');
    expect(log).toContain('"msg":"request"');
    for (const secret of [creds.keys.readA, creds.keys.revokedA, jwt, creds.callerKeys.privateKey, creds.cursorSecret]) {
      expect(log).not.toContain(secret.slice(-24));
    }
    // Nor a caller token the gateway sent a subgraph: one would be a working credential for its few seconds.
    expect(log).not.toMatch(/v2\.[A-Za-z0-9_-]{40,}\.[A-Za-z0-9_-]{86}/);
  });
});
