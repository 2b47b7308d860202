/**
 * A stream's life around its events, with the real graphql-ws and
 * graphql-sse clients against the real gateway: audit events at start and
 * end (and none per event), the close of every stream of a revoked key or
 * an expired token within 5 seconds, the limits per connection and per
 * tenant, and the SSE transport's refusals.
 */
import type { Client } from 'graphql-ws/client';
import type { Client as SseClient } from 'graphql-sse';
import { SignJWT } from 'jose';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { connectSse, connectWs, decide as decideVia, subscribe, subscriptionRecords, until } from './helpers/stream-clients';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let streamUrl: string;
let a: ScratchTenant;
const clients: Array<Client | SseClient> = [];
const LIMITS = { maxSubscriptionsPerConnection: 3, maxSubscriptionsPerTenant: 5, maxConnectionsPerTenant: 3, maxConnections: 1_000 };

beforeAll(async () => {
  system = await startTestSystem(undefined, undefined, { streamLimits: LIMITS });
  url = system.gateway.url;
  streamUrl = url.replace(/\/graphql$/, '/graphql/stream');
  a = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write'], ['read'], ['read', 'admin']] });
});
// Each test starts with no stream open: the limits below count every connection of the tenant.
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
  await until(() => false, 150).catch(() => undefined);
});
afterAll(() => system.close());

const decide = (reference: string) => decideVia(url, a, reference);
const SELECTION = 'subscription Watch { decisionCreated { id subject { reference } tenant { slug } } }';

function ws(connectionParams: Record<string, unknown>) {
  const connection = connectWs(url, connectionParams);
  clients.push(connection.client);
  return connection;
}

function sse(headers: Record<string, string>) {
  const client = connectSse(url, headers);
  clients.push(client);
  return client;
}

/** A scratch key of tenant a, so revoking it touches no other test. */
async function freshKey(): Promise<{ key: string; id: string }> {
  const answer = await graphql(url, 'mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { key apiKey { id } } }', {
    input: { tenantId: a.id, name: 'stream revocation', scopes: ['READ'], environment: 'SANDBOX' },
  });
  expect(answer.errors).toBeUndefined();
  return { key: answer.data.createApiKey.key, id: answer.data.createApiKey.apiKey.id };
}

async function streamAudit(actor: string) {
  return sql<{ action: string; surface: string; status: string; request_id: string; operation_name: string | null; latency_ms: number | null; body_sha256: string | null }>(
    `SELECT action, surface::text, status, request_id, operation_name, latency_ms, body_sha256 FROM audit_events
      WHERE actor = $1 AND surface IN ('WEBSOCKET', 'SSE') ORDER BY created_at, action`,
    [actor],
  );
}

describe('the audit trail of a stream', () => {
  it('records a subscription at its start and its end (same request id, surface WEBSOCKET), and no record per event', async () => {
    const { key, id } = await freshKey();
    const { client } = ws({ apiKey: key });
    const starts = await subscriptionRecords(a.id);
    const got = subscribe(client, SELECTION);
    await starts.more(1);
    await decide('audit-1');
    await decide('audit-2');
    await until(() => got.events.length === 2);
    got.stop();
    await until(() => false, 300).catch(() => undefined);
    let rows = await streamAudit(`key:${id}`);
    await until(() => rows.length >= 2, 3_000).catch(() => undefined);
    rows = await streamAudit(`key:${id}`);
    expect(rows.map((r) => [r.action, r.surface, r.status])).toEqual([
      ['subscription.ended', 'WEBSOCKET', 'complete'],
      ['subscription.started', 'WEBSOCKET', 'ok'],
    ].sort((x, y) => (x[0]! < y[0]! ? 1 : -1)));
    const started = rows.find((r) => r.action === 'subscription.started')!;
    const ended = rows.find((r) => r.action === 'subscription.ended')!;
    expect(ended.request_id).toBe(started.request_id);
    expect(started.operation_name).toBe('Watch');
    expect(started.body_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ended.latency_ms).toBeGreaterThan(0);
    // The two events were resolved through the graph without a call record each.
    const [{ n }] = await sql<{ n: string }>(`SELECT count(*) AS n FROM audit_events WHERE actor = $1 AND action = 'request'`, [`key:${id}`]);
    expect(Number(n)).toBe(0);
  });

  it('records a refused connection like a refused HTTP call', async () => {
    const { closed } = ws({ apiKey: 'mai_test_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' });
    expect((await closed).code).toBe(4403);
    const rows = await sql<{ status: string }>(`SELECT status FROM audit_events WHERE surface = 'WEBSOCKET' AND actor = 'anonymous' AND status LIKE '4403 %'`);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('credentials for the life of a stream', () => {
  it("closes a revoked key's sockets (4403) and SSE streams (last event, closeCode 4403) within 5 seconds, and records why", async () => {
    const { key, id } = await freshKey();
    const socket = ws({ apiKey: key });
    const started = await subscriptionRecords(a.id);
    const overWs = subscribe(socket.client, SELECTION);
    const overSse = subscribe(sse({ 'x-api-key': key }), SELECTION);
    await started.more(2);
    await decide('before-revoke');
    await until(() => overWs.events.length === 1 && overSse.events.length === 1);

    const revokedAt = Date.now();
    const revoked = await graphql(url, 'mutation($id: ID!) { revokeApiKey(id: $id) { status } }', { id });
    expect(revoked.data?.revokeApiKey.status).toBe('REVOKED');
    const closed = await socket.closed;
    const wsCloseMs = Date.now() - revokedAt;
    expect(closed.code).toBe(4403);
    await Promise.race([overSse.completed, overSse.error]);
    const sseCloseMs = Date.now() - revokedAt;
    expect(wsCloseMs).toBeLessThan(5_000);
    expect(sseCloseMs).toBeLessThan(5_000);
    const last = overSse.events[overSse.events.length - 1]!;
    expect(last.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'revoked', closeCode: 4403 });

    await until(() => false, 500).catch(() => undefined);
    const rows = await streamAudit(`key:${id}`);
    const statuses = rows.map((r) => `${r.surface} ${r.action} ${r.status}`);
    expect(statuses).toEqual(expect.arrayContaining([
      'WEBSOCKET stream.closed 4403 revoked',
      'WEBSOCKET subscription.ended 4403 revoked',
      'SSE stream.closed 4403 revoked',
      'SSE subscription.ended 4403 revoked',
    ]));
    // And the key opens nothing any more.
    expect((await ws({ apiKey: key }).closed).code).toBe(4403);
  }, 15_000);

  it('closes a token stream when the token expires (4401)', async () => {
    const creds = testCredentials();
    const token = await new SignJWT({ tenant_id: a.id, scope: 'read' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('expiring-analyst')
      .setIssuer(creds.jwt.issuer)
      .setAudience(creds.jwt.audience)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(creds.jwt.secret));
    const socket = ws({ authorization: `Bearer ${token}` });
    subscribe(socket.client, SELECTION);
    const closed = await socket.closed;
    expect(closed.code).toBe(4401);
  }, 10_000);
});

describe('stream limits', () => {
  it('refuses a subscription past the per-connection limit, and past the per-tenant one, with RATE_LIMITED', async () => {
    const first = ws({ apiKey: a.keys.read });
    const running = [1, 2, 3].map(() => subscribe(first.client, SELECTION));
    const fourth = subscribe(first.client, SELECTION);
    expect(JSON.stringify(await fourth.error)).toContain('RATE_LIMITED');
    const second = ws({ apiKey: a.keys.read });
    const twoMore = await subscriptionRecords(a.id);
    running.push(subscribe(second.client, SELECTION), subscribe(second.client, SELECTION));
    await twoMore.more(2);
    const sixth = subscribe(second.client, SELECTION);
    expect(JSON.stringify(await sixth.error)).toMatch(/RATE_LIMITED.*per tenant|per tenant.*RATE_LIMITED/);
    // Ending one frees its place.
    const ended = await subscriptionRecords(a.id, 'subscription.ended');
    running[0]!.stop();
    await ended.more(1);
    const started = await subscriptionRecords(a.id);
    const again = subscribe(second.client, SELECTION);
    await started.more(1);
    await decide('limits');
    await until(() => again.events.length === 1);
    for (const r of [...running, again]) r.stop();
    first.client.dispose();
    second.client.dispose();
  });

  it('closes a connection past the per-tenant connection limit with 1013', async () => {
    const open = [ws({ apiKey: a.keys.read }), ws({ apiKey: a.keys.read }), ws({ apiKey: a.keys.read })];
    await Promise.all(open.map((c) => c.connected));
    const extra = ws({ apiKey: a.keys.read });
    expect((await extra.closed).code).toBe(1013);
    for (const c of open) c.client.dispose();
    await Promise.all(open.map((c) => c.closed));
  });
});

describe('auditEventAppended', () => {
  const TAIL = 'subscription($filter: AuditEventFilter) { auditEventAppended(filter: $filter) { id action surface requestId resource { type id } tenant { slug } } }';

  it("tails a tenant's own audit trail for its admins, live and in commit order, never another tenant's", async () => {
    const other = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read', 'write']] });
    const { client } = ws({ apiKey: a.keys['read,admin'] });
    const started = await subscriptionRecords(a.id);
    const tail = subscribe(client, TAIL);
    const decisionsOnly = subscribe(client, TAIL, { filter: { action: 'decision.created' } });
    await started.more(2);
    await decideVia(url, other, 'other-tenant-audit');
    const made = await decide('audit-tail');
    await until(() => decisionsOnly.events.length === 1 && tail.events.length >= 2);
    await until(() => false, 600).catch(() => undefined);
    const events = tail.events.map((e) => e.data.auditEventAppended);
    expect(events.every((e) => e.tenant.slug === a.slug)).toBe(true);
    // The decision's call and the decision it made, both of that request.
    const ofDecision = events.filter((e) => e.requestId === decisionsOnly.events[0]!.data.auditEventAppended.requestId);
    expect(ofDecision.map((e) => e.action).sort()).toEqual(['decision.created', 'request']);
    expect(decisionsOnly.events[0]!.data.auditEventAppended.resource).toEqual({ type: 'decision', id: made.id });
    expect(tail.events.every((e) => typeof e.extensions.cursor === 'string')).toBe(true);
    tail.stop();
    decisionsOnly.stop();
  });

  it('is refused to a credential without the admin scope, and to a filter naming another tenant', async () => {
    const { client } = ws({ apiKey: a.keys.read });
    expect(JSON.stringify(await subscribe(client, TAIL).error)).toContain('FORBIDDEN');
    const admin = ws({ apiKey: a.keys['read,admin'] });
    const foreign = subscribe(admin.client, TAIL, { filter: { tenantId: '00000000-0000-4000-8000-000000000000' } });
    expect(JSON.stringify(await foreign.error)).toContain('FORBIDDEN');
    const bounded = subscribe(admin.client, TAIL, { filter: { createdAfter: '2026-01-01T00:00:00.000Z' } });
    expect(JSON.stringify(await bounded.error)).toContain('BAD_USER_INPUT');
  });

  it("gives the platform operator the platform chain's events too (calls that named no tenant)", async () => {
    const { client } = ws({ apiKey: testCredentials().keys.operator });
    const started = await subscriptionRecords(null);
    const tail = subscribe(client, 'subscription { auditEventAppended(filter: { surface: GRAPHQL, action: "request" }) { id status tenant { id } } }');
    await started.more(1);
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': 'mai_test_nope' }, body: '{"query":"{ __typename }"}' });
    expect(refused.status).toBe(401);
    await until(() => tail.events.some((e) => e.data.auditEventAppended.tenant === null && e.data.auditEventAppended.status.startsWith('401')));
    tail.stop();
  });
});

describe('graphql-sse at /graphql/stream', () => {
  it('streams decisions with federated fields, authenticated by the same headers as HTTP', async () => {
    const started = await subscriptionRecords(a.id);
    const got = subscribe(sse({ 'x-api-key': a.keys.read! }), SELECTION);
    await started.more(1);
    const made = await decide('over-sse');
    await until(() => got.events.length === 1);
    expect(got.events[0]!.data.decisionCreated).toMatchObject({ id: made.id, subject: { reference: 'over-sse' }, tenant: { slug: a.slug } });
    expect(got.events[0]!.extensions.cursor).toBe(made.streamCursor);
    got.stop();
  });

  const post = (headers: Record<string, string>, body: string) => fetch(streamUrl, { method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...headers }, body });

  const firstError = async (res: Response) => ((await res.json()) as { errors: Array<{ extensions: Record<string, unknown> }> }).errors[0]!;

  it('answers refusals as JSON with HTTP statuses and stable codes', async () => {
    const subscription = JSON.stringify({ query: SELECTION });
    const noKey = await post({}, subscription);
    expect(noKey.status).toBe(401);
    expect((await firstError(noKey)).extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'missing' });

    const query = await post({ 'x-api-key': a.keys.read! }, JSON.stringify({ query: '{ __typename }' }));
    expect(query.status).toBe(400);
    expect((await firstError(query)).extensions.code).toBe('BAD_USER_INPUT');

    const invalid = await post({ 'x-api-key': a.keys.read! }, JSON.stringify({ query: 'subscription { decisionCreated { nope } }' }));
    expect(invalid.status).toBe(400);
    expect((await firstError(invalid)).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const huge = await post({ 'x-api-key': a.keys.read! }, JSON.stringify({ query: SELECTION, variables: { pad: 'x'.repeat(100_000) } }));
    expect(huge.status).toBe(413);
    expect((await firstError(huge)).extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const notJson = await post({ 'x-api-key': a.keys.read! }, '{');
    expect(notJson.status).toBeGreaterThanOrEqual(400);
    expect(notJson.status).toBeLessThan(500);

    const plain = await fetch(streamUrl, { method: 'POST', headers: { 'x-api-key': a.keys.read!, 'content-type': 'application/json' }, body: subscription });
    expect(plain.status).toBe(406);
    const put = await fetch(streamUrl, { method: 'PUT', headers: { 'x-api-key': a.keys.read!, accept: 'text/event-stream' } });
    expect(put.status).toBe(405);
  });
});
