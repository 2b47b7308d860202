/**
 * Seeds throwaway databases (on DATABASE_URL's server when set, otherwise
 * embedded PGlite servers) and checks the data
 * hangs together: every decision traces back to an installed feature, its
 * outcome and reasons come from that feature's policy, its audit trail is
 * there, and a seed reproduces byte for byte.
 */
import { checkFeatureContract, compileInputSchema, parsePolicy } from '../../../subgraphs/decisions/policy';
import { Client, Pool } from 'pg';
import { createMigratedDatabase } from '../../../test/helpers/migrated-database';
import { withClient } from '../../../test/helpers/scratch-database';
import { poolConfigFromUrl } from '../../../lib/database-url';
import { canonicalJson } from '../../../lib/canonical-json';
import { sha256Hex } from '../../../lib/hash';
import { PACKAGES, TENANTS } from '../catalog';
import { isDatabaseEmpty, seedDatabase, type SeedSummary } from '../generate';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../../../lib/audit-log/checkpoint';
import { verifyAuditChain } from '../../../subgraphs/audit/verify-chain';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const DECISIONS = 3_000;
const DAY_MS = 86_400_000;


const disposers: Array<() => Promise<void>> = [];

/** A new database with every migration applied; dropped in afterAll. */
async function createDatabase(): Promise<string> {
  const database = await createMigratedDatabase('seed_test');
  disposers.push(database.drop);
  return database.url;
}

/** md5 of every row of `table` in a fixed order: equal digests mean identical data. */
async function tableDigest(url: string, table: string): Promise<string> {
  return withClient(url, async (client) => {
    // Timestamps print in the session time zone; pin it so digests compare.
    await client.query("SET TimeZone = 'UTC'");
    const { rows } = await client.query<{ digest: string }>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest FROM ${table} t`,
    );
    return rows[0]!.digest;
  });
}

async function count(client: Client, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await client.query<{ n: string }>(sql, params);
  return Number(rows[0]!.n);
}

const TABLES = [
  'tenants',
  'packages',
  'package_versions',
  'features',
  'installations',
  'decisions',
  'audit_events',
  'audit_checkpoints',
];

// One key for every seed here: Ed25519 signatures are deterministic, so the same key gives the same checkpoints.
const KEYS = generateCheckpointKeyPair();
const SIGNER = new CheckpointSigner(KEYS.privateKey);
const CHECKPOINT_EVERY = 40;

let url: string;
let summary: SeedSummary;
let emptyBefore: boolean;
const progress: [number, number][] = [];

beforeAll(async () => {
  url = await createDatabase();
  emptyBefore = await isDatabaseEmpty(url);
  summary = await seedDatabase(url, {
    decisions: DECISIONS,
    now: NOW,
    batchSize: 1_000,
    onProgress: (done, total) => progress.push([done, total]),
    checkpointSigner: SIGNER,
    checkpointEvery: CHECKPOINT_EVERY,
  });
}, 60_000);

afterAll(async () => {
  await Promise.all(disposers.map((dispose) => dispose()));
}, 60_000);

describe('seedDatabase', () => {
  it('reports what it wrote, and isDatabaseEmpty sees the difference', async () => {
    expect(emptyBefore).toBe(true);
    expect(await isDatabaseEmpty(url)).toBe(false);
    await withClient(url, async (client) => {
      expect(summary).toEqual({
        tenants: await count(client, 'SELECT count(*) AS n FROM tenants'),
        packages: await count(client, 'SELECT count(*) AS n FROM packages'),
        versions: await count(client, 'SELECT count(*) AS n FROM package_versions'),
        features: await count(client, 'SELECT count(*) AS n FROM features'),
        installations: await count(client, 'SELECT count(*) AS n FROM installations'),
        decisions: DECISIONS,
        auditEvents: await count(client, 'SELECT count(*) AS n FROM audit_events'),
        ms: expect.any(Number),
      });
      expect(await count(client, 'SELECT count(*) AS n FROM decisions')).toBe(DECISIONS);
    });
    expect(summary.tenants).toBe(TENANTS.length);
    expect(summary.packages).toBe(PACKAGES.length);
    // Two write events per decision plus about 10% dashboard reads.
    expect(summary.auditEvents).toBeGreaterThan(2.05 * DECISIONS);
    expect(summary.auditEvents).toBeLessThan(2.15 * DECISIONS);
    expect(progress.at(-1)).toEqual([DECISIONS, DECISIONS]);
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b));
  });

  it('installs 3-5 packages per tenant, never a draft, and hashes every policy canonically', async () => {
    await withClient(url, async (client) => {
      const perTenant = await client.query<{ n: string }>(
        'SELECT count(*) AS n FROM tenants t LEFT JOIN installations i ON i.tenant_id = t.id GROUP BY t.id',
      );
      for (const { n } of perTenant.rows) expect(Number(n)).toBeGreaterThanOrEqual(3);
      for (const { n } of perTenant.rows) expect(Number(n)).toBeLessThanOrEqual(5);
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM installations i JOIN packages p ON p.id = i.package_id
           WHERE p.status = 'DRAFT'
              OR NOT EXISTS (SELECT 1 FROM package_versions v
                             WHERE v.id = i.package_version_id AND v.package_id = i.package_id)`,
        ),
      ).toBe(0);
      const features = await client.query<{ policy: unknown; policy_hash: string; outcomes: string[] }>(
        'SELECT policy, policy_hash, outcomes FROM features',
      );
      for (const f of features.rows) {
        expect(f.policy_hash).toBe(sha256Hex(canonicalJson(f.policy)));
        expect(f.outcomes.length).toBeGreaterThan(0);
      }
    });
  });

  it('stores with every feature version the input schema its policy is checked against', async () => {
    await withClient(url, async (client) => {
      const features = await client.query<{ key: string; policy: unknown; input_schema: unknown }>('SELECT key, policy, input_schema FROM features');
      expect(features.rows.length).toBeGreaterThan(10);
      for (const f of features.rows) {
        expect(f.input_schema).toMatchObject({ type: 'object', additionalProperties: false });
        // The same checks the decisions service makes before it decides with a version.
        expect(() => checkFeatureContract(parsePolicy(f.policy), f.input_schema)).not.toThrow();
        expect(() => compileInputSchema(f.input_schema)).not.toThrow();
      }
    });
  });

  it('decides only with features the tenant has installed, inside the 90-day window', async () => {
    await withClient(url, async (client) => {
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM decisions d
           WHERE NOT EXISTS (
             SELECT 1 FROM installations i
             JOIN features f ON f.package_version_id = i.package_version_id
             WHERE i.tenant_id = d.tenant_id
               AND i.package_version_id = d.package_version_id
               AND f.key = d.feature_key
               AND f.policy_hash = d.policy_hash
               AND i.installed_at <= d.created_at)`,
        ),
      ).toBe(0);
      const { rows } = await client.query<{ first: Date; last: Date }>(
        'SELECT min(created_at) AS first, max(created_at) AS last FROM decisions',
      );
      expect(rows[0]!.first.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 90 * DAY_MS);
      expect(rows[0]!.last.getTime()).toBeLessThan(NOW.getTime());
      // The suspended tenant's traffic stopped when it was suspended, 21 days before now.
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM decisions d JOIN tenants t ON t.id = d.tenant_id
           WHERE t.status = 'SUSPENDED' AND d.created_at > $1`,
          [new Date(NOW.getTime() - 20 * DAY_MS)],
        ),
      ).toBe(0);
    });
  });

  it('takes outcomes, reasons and confidence from the feature policy', async () => {
    await withClient(url, async (client) => {
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM decisions d
           JOIN features f ON f.package_version_id = d.package_version_id AND f.key = d.feature_key
           WHERE NOT (d.outcome::text = ANY (f.outcomes))
              OR d.confidence NOT BETWEEN 0 AND 1
              OR cardinality(d.reasons) NOT BETWEEN 1 AND 3
              OR NOT (d.reasons <@ ARRAY(
                   SELECT r ->> 'reason'
                   FROM jsonb_array_elements((f.policy -> 'rules') || jsonb_build_array(f.policy -> 'default')) r
                   WHERE r ->> 'outcome' = d.outcome::text))`,
        ),
      ).toBe(0);
      // Every feature's outcomes are plausible mixes, not a single answer.
      const mix = await client.query<{ feature_key: string; approve: number }>(
        `SELECT feature_key, avg((outcome = 'APPROVE')::int)::float8 AS approve
         FROM decisions GROUP BY feature_key HAVING count(*) >= 100`,
      );
      for (const { approve } of mix.rows) {
        expect(approve).toBeGreaterThan(0.55);
        expect(approve).toBeLessThan(0.99);
      }
      expect(await count(client, 'SELECT count(*) AS n FROM decisions WHERE latency_ms < 1')).toBe(0);
      const withKey = await count(client, 'SELECT count(*) AS n FROM decisions WHERE idempotency_key IS NOT NULL');
      expect(withKey / DECISIONS).toBeGreaterThan(0.25);
      expect(withKey / DECISIONS).toBeLessThan(0.35);
      expect(await count(client, 'SELECT count(DISTINCT request_id) AS n FROM decisions')).toBe(DECISIONS);
    });
  });

  it('writes a request and a decision.created audit event for every decision', async () => {
    await withClient(url, async (client) => {
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM decisions d
           WHERE (SELECT count(*) FROM audit_events a
                  WHERE a.request_id = d.request_id AND a.tenant_id = d.tenant_id AND a.scope = 'write') <> 2
              OR NOT EXISTS (SELECT 1 FROM audit_events a
                  WHERE a.request_id = d.request_id AND a.action = 'request'
                    AND d.input_hash = CASE a.surface WHEN 'REST' THEN a.body_sha256 ELSE a.variables_sha256 END
                    AND a.latency_ms > d.latency_ms
                    AND a.created_at = d.created_at + d.latency_ms * interval '1 millisecond')
              OR NOT EXISTS (SELECT 1 FROM audit_events a
                  WHERE a.request_id = d.request_id AND a.action = 'decision.created'
                    AND a.resource_type = 'decision' AND a.resource_id = d.id::text
                    AND a.status = 'ok' AND a.created_at = d.created_at)`,
        ),
      ).toBe(0);
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM audit_events
           WHERE scope = 'read' AND (surface <> 'GRAPHQL' OR action <> 'request' OR status <> '200')`,
        ),
      ).toBe(0);
      expect(await count(client, "SELECT count(*) AS n FROM audit_events WHERE scope = 'read'")).toBeGreaterThan(0);
    });
  });

  it("chains each tenant's events in time order, checkpoints every chain, and every chain verifies", async () => {
    const pool = new Pool(poolConfigFromUrl(url, { max: 1 }));
    try {
      const tenants = await pool.query<{ id: string; events: string; seqs: string[] | null }>(
        `SELECT t.id, (SELECT count(*) FROM audit_events a WHERE a.tenant_id = t.id) AS events,
                (SELECT array_agg(c.seq::text ORDER BY c.seq) FROM audit_checkpoints c WHERE c.chain_key = t.id) AS seqs
         FROM tenants t`,
      );
      const active = tenants.rows.filter((t) => Number(t.events) > 0);
      expect(active.length).toBeGreaterThan(1);
      const keyring = new CheckpointKeyring([KEYS.publicKey]);
      for (const tenant of active) {
        const events = Number(tenant.events);
        // Every CHECKPOINT_EVERY events, and the chain's newest.
        const expected = Array.from({ length: Math.floor(events / CHECKPOINT_EVERY) }, (_, i) => String((i + 1) * CHECKPOINT_EVERY));
        if (events % CHECKPOINT_EVERY !== 0) expected.push(String(events));
        expect(tenant.seqs).toEqual(expected);
        expect(await verifyAuditChain(pool, tenant.id, keyring, { pageSize: 700 })).toMatchObject({
          ok: true,
          checked: events,
          firstBrokenLink: null,
          failure: null,
          eventsAfterCheckpoint: 0,
        });
      }
    } finally {
      await pool.end();
    }
    await withClient(url, async (client) => {
      expect(await count(client, 'SELECT count(*) AS n FROM audit_events WHERE chain_key <> tenant_id')).toBe(0);
      // Decisions and reads join a chain in time order. (A request event is
      // chained right after its decision, so it can finish after the next
      // decision starts.)
      expect(
        await count(
          client,
          `SELECT count(*) AS n FROM (
             SELECT created_at < lag(created_at) OVER (PARTITION BY chain_key ORDER BY chain_seq) AS back
             FROM audit_events WHERE action = 'decision.created' OR scope = 'read') e
           WHERE back`,
        ),
      ).toBe(0);
    });
  });

  it('reproduces the same rows for the same seed and now, and different ones for another seed', async () => {
    const same = await createDatabase();
    const other = await createDatabase();
    // A different batch size must not change the data either.
    await seedDatabase(same, { decisions: DECISIONS, now: NOW, batchSize: 700, connections: 1, checkpointSigner: SIGNER, checkpointEvery: CHECKPOINT_EVERY });
    await seedDatabase(other, { decisions: DECISIONS, now: NOW, seed: 7 });
    for (const table of TABLES) {
      expect(`${table} ${await tableDigest(same, table)}`).toBe(`${table} ${await tableDigest(url, table)}`);
    }
    expect(await tableDigest(other, 'decisions')).not.toBe(await tableDigest(url, 'decisions'));
    expect(await tableDigest(other, 'audit_events')).not.toBe(await tableDigest(url, 'audit_events'));
  }, 60_000);
});

describe('canonicalJson', () => {
  it('sorts keys recursively, keeps array order and drops undefined', () => {
    const a = canonicalJson({ b: 1, a: { d: [3, 1, { z: true, y: null }], c: 'x' }, u: undefined });
    expect(a).toBe('{"a":{"c":"x","d":[3,1,{"y":null,"z":true}]},"b":1}');
    expect(canonicalJson({ a: { c: 'x', d: [3, 1, { y: null, z: true }] }, b: 1 })).toBe(a);
    expect(canonicalJson('q"u\\o\nte')).toBe(JSON.stringify('q"u\\o\nte'));
  });

  it('hashes as hex SHA-256', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
