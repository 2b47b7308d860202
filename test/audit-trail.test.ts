import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { canonicalJson } from '../lib/canonical-json';
import { sha256Hex } from '../lib/hash';
import { SUBGRAPHS, subgraphSdlPath } from '../lib/supergraph';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { withClient } from './helpers/scratch-database';
import { graphql, postGraphQL, sql, startTestSystem, testDatabaseUrl } from './helpers/system';

let system: RunningSystem;
let url: string;
let tenant: ScratchTenant;
const creds = testCredentials();

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  tenant = await createScratchTenant({ features: ['fraud.velocity'], scopeSets: [['read', 'write'], ['read']] });
});
afterAll(() => system.close());

// Calls are found by the id the test sent, which the server keeps as the correlation id.
const requestEvents = (correlationId: string) => sql(`SELECT * FROM audit_events WHERE correlation_id = $1 AND action = 'request'`, [correlationId]);

describe('the request audit trail', () => {
  it('records every GraphQL call exactly once, whatever its outcome, before answering', async () => {
    const query = 'query Dashboard($first: Int) { decisions(first: $first) { totalCount } }';
    const calls: Array<{ id: string; headers: Record<string, string>; variables?: Record<string, unknown>; body?: string; status: string; tenant: string | null }> = [
      { id: 'audit-ok-0001', headers: { 'x-api-key': tenant.keys.read }, variables: { first: 2 }, status: '200', tenant: tenant.id },
      { id: 'audit-bad-0001', headers: { 'x-api-key': tenant.keys.read }, variables: { first: 500 }, status: '200 BAD_USER_INPUT', tenant: tenant.id },
      { id: 'audit-403-0001', headers: { 'x-api-key': creds.keys.writeOnlyA }, variables: { first: 1 }, status: '200 FORBIDDEN', tenant: creds.tenantA.id },
      { id: 'audit-401-0001', headers: { 'x-api-key': creds.keys.revokedA }, variables: { first: 1 }, status: '401 revoked', tenant: null },
    ];
    for (const call of calls) {
      await postGraphQL(url, query, call.variables, { ...call.headers, 'x-request-id': call.id });
      // No waiting: the answer came only after its record was committed.
      const events = await requestEvents(call.id);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ status: call.status, tenant_id: call.tenant, surface: 'GRAPHQL' });
    }
    const [ok] = await requestEvents('audit-ok-0001');
    expect(ok).toMatchObject({
      operation_name: 'Dashboard',
      scope: 'read',
      body_sha256: createHash('sha256').update(query).digest('hex'),
      variables_sha256: sha256Hex(canonicalJson({ first: 2 })),
    });
    expect(ok.actor).toMatch(/^key:[0-9a-f-]{36}$/);
    expect(ok.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('puts a mutation, its request event and its decision event under one request id', async () => {
    const res = await graphql(
      url,
      'mutation Decide($input: CreateDecisionInput!) { createDecision(input: $input) { id lineage { requestId events { action scope surface } } } }',
      { input: { feature: 'fraud.velocity', subject: { type: 'transaction', reference: 'txn_audit_1' }, attributes: { amount: 120, currency: 'GBP', txnCount1h: 1, amountToAvgRatio: 1.1, geoMismatch: false, riskScore: 10 } } },
      { 'x-api-key': tenant.keys['read,write'], 'x-request-id': 'audit-mutation-0001' },
    );
    expect(res.errors).toBeUndefined();
    const requestId = res.headers.get('x-request-id');
    expect(res.data.createDecision.lineage.requestId).toBe(requestId);
    const events = await sql('SELECT action, scope FROM audit_events WHERE request_id = $1 ORDER BY chain_seq', [requestId]);
    expect(events).toEqual([{ action: 'decision.created', scope: 'write' }, { action: 'request', scope: 'write' }]);
  });

  it('gives each of many concurrent requests its own record', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `audit-burst-${String(i).padStart(4, '0')}`);
    await Promise.all(ids.map((id) => graphql(url, '{ tenants { slug } }', undefined, { 'x-api-key': tenant.keys.read, 'x-request-id': id })));
    const rows = await sql(`SELECT correlation_id, count(DISTINCT request_id)::int AS ids, count(*)::int AS n FROM audit_events WHERE correlation_id = ANY($1) GROUP BY 1`, [ids]);
    expect(rows).toHaveLength(40);
    expect(rows.every((r) => r.n === 1 && r.ids === 1)).toBe(true);
    const [{ distinct }] = await sql(`SELECT count(DISTINCT request_id)::int AS distinct FROM audit_events WHERE correlation_id = ANY($1)`, [ids]);
    expect(distinct).toBe(40);
  });
});

describe('the audit log', () => {
  it('refuses updates and deletes in the database itself', async () => {
    await expect(sql(`UPDATE audit_events SET status = 'x' WHERE tenant_id = $1`, [tenant.id])).rejects.toThrow(/append-only/);
    await expect(sql(`DELETE FROM audit_events WHERE tenant_id = $1`, [tenant.id])).rejects.toThrow(/append-only/);
  });

  it('has no update or delete path in the graph', () => {
    for (const { name } of SUBGRAPHS) {
      const sdl = readFileSync(subgraphSdlPath(name), 'utf8');
      expect(sdl).not.toMatch(/(update|delete|remove|edit)\w*Audit/i);
    }
    expect(readFileSync(subgraphSdlPath('audit'), 'utf8')).not.toMatch(/type Mutation/);
  });

  it('verifies an intact chain and finds the first altered row', async () => {
    for (let i = 0; i < 3; i++) {
      await graphql(url, '{ tenants { slug } }', undefined, { 'x-api-key': tenant.keys.read });
    }
    const verify = `query($t: ID) { verifyAuditChain(tenantId: $t) { tenantId ok checkedEvents firstBrokenLink { sequence eventId reason } } }`;
    const intact = await graphql(url, verify, { t: tenant.id }, { 'x-api-key': tenant.keys.read });
    expect(intact.errors).toBeUndefined();
    expect(intact.data.verifyAuditChain).toMatchObject({ tenantId: tenant.id, ok: true, firstBrokenLink: null });
    expect(intact.data.verifyAuditChain.checkedEvents).toBeGreaterThanOrEqual(3);

    const [victim] = await sql('SELECT id, chain_seq FROM audit_events WHERE tenant_id = $1 ORDER BY chain_seq LIMIT 1 OFFSET 1', [tenant.id]);
    // Tampering needs to get past the append-only trigger: a superuser session with triggers off, as an attacker with the database would.
    await withClient(testDatabaseUrl(), async (client) => {
      await client.query("SET session_replication_role = 'replica'");
      await client.query(`UPDATE audit_events SET status = '200', latency_ms = 1 WHERE id = $1`, [victim.id]);
    });
    const tampered = await graphql(url, verify, { t: tenant.id }, { 'x-api-key': tenant.keys.read });
    expect(tampered.data.verifyAuditChain).toMatchObject({
      ok: false,
      checkedEvents: Number(victim.chain_seq) - 1,
      firstBrokenLink: { sequence: Number(victim.chain_seq), eventId: victim.id, reason: 'HASH_MISMATCH' },
    });
  });

  it('seals the chain with signed checkpoints, so a rewound tail is MISSING_EVENTS and a re-grown one REPLACED_EVENTS', async () => {
    const verify = `query($t: ID) { verifyAuditChain(tenantId: $t) {
      ok failureReason checkedEvents eventsAfterCheckpoint
      firstBrokenLink { sequence eventId reason }
      latestCheckpoint { sequence headHash keyId signatureVerified signedAt }
      failedCheckpoint { sequence signatureVerified } } }`;
    const rewound = await createScratchTenant({ features: ['fraud.velocity'], scopeSets: [['read']] });
    const key = { 'x-api-key': rewound.keys.read };
    for (let i = 0; i < 4; i++) await graphql(url, '{ tenants { slug } }', undefined, key);
    // The gateway seals within about a second (the test system's interval); wait for the calls above.
    let sealed: any;
    for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((r) => setTimeout(r, 200))) {
      const [{ n }] = await sql('SELECT count(*)::int AS n FROM audit_events WHERE tenant_id = $1', [rewound.id]);
      const [cp] = await sql('SELECT max(seq)::int AS seq FROM audit_checkpoints WHERE chain_key = $1', [rewound.id]);
      if (cp.seq !== null && cp.seq >= 4 && cp.seq === n) {
        sealed = cp.seq;
        break;
      }
    }
    expect(sealed).toBeGreaterThanOrEqual(4);
    const intact = (await graphql(url, verify, { t: rewound.id }, key)).data.verifyAuditChain;
    expect(intact).toMatchObject({ ok: true, failureReason: null, firstBrokenLink: null, latestCheckpoint: { sequence: sealed, signatureVerified: true } });
    expect(intact.latestCheckpoint.keyId).toMatch(/^[0-9a-f]{32}$/);

    // The owner's rewind: the two newest events gone, triggers off for the session.
    await withClient(testDatabaseUrl(), async (client) => {
      await client.query("SET session_replication_role = 'replica'");
      await client.query('DELETE FROM audit_events WHERE chain_key = $1 AND chain_seq > $2', [rewound.id, sealed - 2]);
    });
    expect((await graphql(url, verify, { t: rewound.id }, key)).data.verifyAuditChain).toMatchObject({
      ok: false,
      failureReason: 'MISSING_EVENTS',
      checkedEvents: sealed - 2,
      firstBrokenLink: { sequence: sealed - 1, eventId: null, reason: 'GAP' },
      failedCheckpoint: { sequence: sealed, signatureVerified: true },
    });
    // New calls append after the rewound head: the chain links again, but not to what was sealed.
    await graphql(url, '{ tenants { slug } }', undefined, key);
    const replaced = (await graphql(url, verify, { t: rewound.id }, key)).data.verifyAuditChain;
    expect(replaced).toMatchObject({ ok: false, failureReason: 'REPLACED_EVENTS', firstBrokenLink: { reason: 'CHECKPOINT_MISMATCH' } });
    // The first checkpoint the new events contradict: the newest one, or an earlier one the checkpointer wrote inside the deleted range.
    expect(replaced.firstBrokenLink.sequence).toBeGreaterThanOrEqual(sealed - 1);
    expect(replaced.firstBrokenLink.sequence).toBeLessThanOrEqual(sealed);
  });

  it("lets a tenant verify only its own chain, and only the platform operator the platform's", async () => {
    const verify = `query($t: ID) { verifyAuditChain(tenantId: $t) { ok } }`;
    expect((await graphql(url, verify, { t: creds.tenantB.id }, { 'x-api-key': tenant.keys.read })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(url, verify, {}, { 'x-api-key': tenant.keys.read })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    // A tenant's admin is no platform operator.
    expect((await graphql(url, verify, {}, { 'x-api-key': creds.keys.admin })).errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', requiredRole: 'platform_operator' });
    expect((await graphql(url, verify, { t: creds.tenantB.id }, { 'x-api-key': creds.keys.admin })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const platform = await graphql(url, verify, {}, { 'x-api-key': creds.keys.operator });
    expect(platform.errors).toBeUndefined();
    expect(platform.data.verifyAuditChain.ok).toBe(true);
  });
});
