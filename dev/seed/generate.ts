/**
 * Deterministic demo and scale data: the catalogue, then decisions with their
 * audit trail, written with plain pg (no Prisma) for speed. Rows are generated
 * lazily batch by batch, so memory stays flat whatever the count, and the
 * next batch is generated while the database writes the previous ones.
 * Audit events carry their hash-chain links (lib/audit/chain.ts), computed
 * here in generation order, which is time order. With a checkpoint signer,
 * every chain is sealed every `checkpointEvery` events and at its end, once
 * every event is in, as the gateway's checkpointer would have done.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Pool, type PoolClient } from 'pg';
import { poolConfigFromUrl } from '../../lib/database-url';
import { ChainLinker, type AuditEventContent, type ChainHead } from '../../lib/audit-log/chain';
import type { CheckpointSigner } from '../../lib/audit-log/checkpoint';
import { insertCheckpoints } from '../../lib/audit-log/checkpoint-store';
import { DEFAULT_CHECKPOINT_EVERY_EVENTS } from '../../lib/audit-log/checkpointer';
import { inTransaction } from '../../lib/sql';
import { arrayLiteral, type Cell } from '../../lib/pg-array';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import {
  buildCatalog,
  PLAN_TRAFFIC,
  type Catalog,
  type FeatureRow,
  type FieldSpec,
  type InstallationRow,
  type Outcome,
  type SubjectType,
  type TenantRow,
} from './catalog';
import { InputSchemaCache, type AttributesValidator, type JsonValue } from '../../subgraphs/decisions/policy';
import { Random, type WeightedPairs } from './random';

export interface SeedOptions {
  decisions: number;
  /** Default 42. The same seed, `now` and count give byte-identical rows. */
  seed?: number;
  /** End of the 90-day window; defaults to the current time. */
  now?: Date;
  onProgress?: (done: number, total: number) => void;
  /** Decisions per INSERT statement (each commits on its own). Default 5,000. */
  batchSize?: number;
  /** Batches written concurrently, one connection each. Default 2. */
  connections?: number;
  /**
   * Signs checkpoints of the chains written. Without it none are written,
   * and a running gateway seals each chain's head on its first poll.
   */
  checkpointSigner?: CheckpointSigner | null;
  /** Events between checkpoints. Default 100 (AUDIT_CHECKPOINT_EVERY_EVENTS's default). */
  checkpointEvery?: number;
}

export interface SeedSummary {
  tenants: number;
  packages: number;
  versions: number;
  features: number;
  installations: number;
  decisions: number;
  auditEvents: number;
  ms: number;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const WINDOW_DAYS = 90;

export async function isDatabaseEmpty(databaseUrl: string): Promise<boolean> {
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: 1 }));
  try {
    const { rows } = await pool.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM tenants) AS empty');
    return rows[0]!.empty;
  } finally {
    await pool.end();
  }
}

export async function seedDatabase(databaseUrl: string, options: SeedOptions): Promise<SeedSummary> {
  const started = performance.now();
  const { decisions: total, seed = 42, now = new Date(), onProgress, batchSize = 5_000, connections = 2 } = options;
  if (!Number.isInteger(total) || total < 0) throw new Error(`decisions must be a non-negative integer, got ${total}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`batchSize must be a positive integer, got ${batchSize}`);
  }
  if (!Number.isInteger(connections) || connections < 1) {
    throw new Error(`connections must be a positive integer, got ${connections}`);
  }

  const rng = new Random(seed);
  const catalog = buildCatalog(rng, now);
  const pool = new Pool(poolConfigFromUrl(databaseUrl, { max: connections }));
  try {
    await inTransaction(pool, (client) => insertCatalog(client, catalog));
    const stream = new DecisionStream(rng, catalog, now, total, options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY_EVENTS);
    const auditEvents = await writeDecisions(pool, stream, { total, batchSize, connections, onProgress });
    // Only once every batch is in: a checkpoint must never seal a missing event.
    if (options.checkpointSigner) {
      const signer = options.checkpointSigner;
      const checkpoints = stream
        .sealedLinks()
        .map((h) => signer.sign({ chainKey: h.chainKey, seq: h.lastSeq, headHash: h.lastHash, signedAt: now }));
      for (let i = 0; i < checkpoints.length; i += 10_000) await insertCheckpoints(pool, checkpoints.slice(i, i + 10_000));
    }
    return {
      tenants: catalog.tenants.length,
      packages: catalog.packages.length,
      versions: catalog.versions.length,
      features: catalog.features.length,
      installations: catalog.installations.length,
      decisions: total,
      auditEvents,
      ms: Math.round(performance.now() - started),
    };
  } finally {
    await pool.end();
  }
}

// ------------------------------------------------------------- catalogue SQL

async function insertCatalog(client: PoolClient, catalog: Catalog): Promise<void> {
  for (const t of catalog.tenants) {
    await client.query(
      `INSERT INTO tenants (id, slug, name, plan, status, monthly_decision_quota, rate_limit_per_minute, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [t.id, t.slug, t.name, t.plan, t.status, t.monthlyDecisionQuota, t.rateLimitPerMinute, t.createdAt.toISOString()],
    );
  }
  for (const p of catalog.packages) {
    await client.query(
      `INSERT INTO packages (id, slug, name, description, risk_tier, status, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [p.id, p.slug, p.name, p.description, p.riskTier, p.status, p.createdAt.toISOString()],
    );
  }
  for (const v of catalog.versions) {
    await client.query(
      `INSERT INTO package_versions (id, package_id, version, changelog, conformance_score, published_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [v.id, v.packageId, v.version, v.changelog, v.conformanceScore, v.publishedAt.toISOString()],
    );
  }
  for (const f of catalog.features) {
    await client.query(
      `INSERT INTO features (id, package_version_id, key, description, outcomes, policy, policy_hash, input_schema)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb)`,
      [f.id, f.packageVersionId, f.key, f.description, f.outcomes, canonicalJson(f.policy), f.policyHash, canonicalJson(f.inputSchema)],
    );
  }
  for (const i of catalog.installations) {
    await client.query(
      `INSERT INTO installations (id, tenant_id, package_id, package_version_id, installed_at)
       VALUES ($1, $2, $3, $4, $5)`,
      [i.id, i.tenantId, i.packageId, i.packageVersionId, i.installedAt.toISOString()],
    );
  }
}

// ------------------------------------------------------------ batch writing

interface WriteSettings {
  total: number;
  batchSize: number;
  connections: number;
  onProgress: SeedOptions['onProgress'];
}

/** Returns the number of audit events written. */
async function writeDecisions(pool: Pool, stream: DecisionStream, settings: WriteSettings): Promise<number> {
  const { total, batchSize, connections, onProgress } = settings;
  const lookups = stream.lookups();
  const inFlight = new Set<Promise<void>>();
  let done = 0;
  let auditEvents = 0;
  try {
    for (let start = 0; start < total; start += batchSize) {
      const batch = await stream.nextBatch(Math.min(batchSize, total - start));
      // Generating the batch above overlapped with the writes in flight; now
      // wait for a free connection so at most `connections` batches are held.
      while (inFlight.size >= connections) await Promise.race(inFlight);
      // One statement per batch: it commits (or fails) as a whole.
      const params = [...batch.decisions.literals(), ...lookups, ...batch.reads.literals()];
      const write: Promise<void> = insertBatch(pool, params).then(() => {
        inFlight.delete(write);
        done += batch.decisions.length;
        auditEvents += 2 * batch.decisions.length + batch.reads.length;
        onProgress?.(done, total);
      });
      // The rejection is observed by race() or all() below; this only stops
      // Node reporting it as unhandled in between.
      write.catch(() => undefined);
      inFlight.add(write);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
  }
  return auditEvents;
}

const genericPlanClients = new WeakSet<PoolClient>();

async function insertBatch(pool: Pool, params: string[]): Promise<void> {
  const client = await pool.connect();
  try {
    // A custom plan copies the batch's parameter arrays (megabytes) into the
    // plan tree, every statement; the generic plan reads them in place.
    if (!genericPlanClients.has(client)) {
      await client.query('SET plan_cache_mode = force_generic_plan');
      genericPlanClients.add(client);
    }
    await client.query(INSERT_BATCH, params);
  } finally {
    client.release();
  }
}

/*
 * A batch in one statement: one array parameter per column, unnested into
 * rows (unlike COPY this also works through the embedded PGlite socket).
 * What repeats is sent once and looked up by index: $22-$26 describe each
 * traffic source (tenant x installed feature), $27 lists the actors, $28
 * and $29 are constant hashes. Both audit events of a decision are derived
 * from its row, so its tenant, request id and times cross the wire once,
 * and of its request event's chain link only the hash: it follows the
 * decision.created event in the chain. DecisionStream builds the same events
 * in TypeScript to chain them, and the seed test verifies every chain, so
 * the two cannot drift apart unnoticed.
 */
const INSERT_BATCH = `
WITH d AS (
  SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::"DecisionOutcome"[], $5::float8[], $6::text[],
                       $7::int[], $8::text[], $9::text[], $10::text[], $11::timestamptz[],
                       $12::uuid[], $13::uuid[], $14::text[], $15::boolean[], $16::int[], $17::int[],
                       $18::int8[], $19::text[], $20::text[], $21::text[])
    AS t(id, source, subject_reference, outcome, confidence, reasons,
         latency_ms, request_id, idempotency_key, input_hash, created_at,
         request_event_id, created_event_id, record_hash, rest, request_latency_ms, actor,
         created_seq, created_prev_hash, created_hash, request_hash)
), decision_rows AS (
  INSERT INTO decisions (id, tenant_id, feature_key, package_version_id, subject_type, subject_reference,
                         outcome, confidence, reasons, latency_ms, request_id, idempotency_key, input_hash,
                         policy_hash, created_at)
  SELECT id, ($22::uuid[])[source], ($23::text[])[source], ($24::uuid[])[source], ($25::text[])[source],
         subject_reference, outcome, confidence, string_to_array(reasons, ','), latency_ms, request_id,
         idempotency_key, input_hash, ($26::text[])[source], created_at
  FROM d
)
INSERT INTO audit_events (id, tenant_id, request_id, actor, scope, surface, action, operation_name,
                          resource_type, resource_id, status, body_sha256, variables_sha256, latency_ms, created_at,
                          chain_key, chain_seq, prev_hash, hash)
SELECT request_event_id, ($22::uuid[])[source], request_id, ($27::text[])[actor], 'write',
       (CASE WHEN rest THEN 'REST' ELSE 'GRAPHQL' END)::"Surface", 'request',
       CASE WHEN rest THEN 'POST /v1/decisions' ELSE 'createDecision' END, NULL, NULL,
       CASE WHEN rest THEN '201' ELSE '200' END, CASE WHEN rest THEN input_hash ELSE $28::text END,
       CASE WHEN rest THEN NULL ELSE input_hash END, request_latency_ms,
       created_at + latency_ms * interval '1 millisecond',
       ($22::uuid[])[source], created_seq + 1, created_hash, request_hash
FROM d
UNION ALL
SELECT created_event_id, ($22::uuid[])[source], request_id, ($27::text[])[actor], 'write',
       (CASE WHEN rest THEN 'REST' ELSE 'GRAPHQL' END)::"Surface", 'decision.created',
       CASE WHEN rest THEN 'POST /v1/decisions' ELSE 'createDecision' END, 'decision', id::text,
       'ok', record_hash, NULL, NULL, created_at,
       ($22::uuid[])[source], created_seq, created_prev_hash, created_hash
FROM d
UNION ALL
SELECT id, ($22::uuid[])[source], request_id, ($27::text[])[actor], 'read', 'GRAPHQL', 'request',
       operation_name, NULL, NULL, '200', body_sha256, $29::text, latency_ms, created_at,
       ($22::uuid[])[source], seq, prev_hash, hash
FROM unnest($30::uuid[], $31::int[], $32::text[], $33::int[], $34::text[], $35::text[], $36::int[],
            $37::timestamptz[], $38::int8[], $39::text[], $40::text[])
  AS r(id, source, request_id, actor, operation_name, body_sha256, latency_ms, created_at, seq, prev_hash, hash)`;

/** Column-wise rows, sent as PostgreSQL array literals. */
class Columns {
  private readonly columns: Cell[][];
  length = 0;

  constructor(width: number) {
    this.columns = Array.from({ length: width }, () => []);
  }

  push(...values: Cell[]): void {
    for (let i = 0; i < values.length; i++) this.columns[i]!.push(values[i]!);
    this.length++;
  }

  literals(): string[] {
    return this.columns.map(arrayLiteral);
  }
}

interface Batch {
  decisions: Columns;
  reads: Columns;
}

interface PendingRead {
  /** Index of its traffic source, for the tenant lookup. */
  source: number;
  event: AuditEventContent;
}

// ------------------------------------------------------------- generation

/** A tenant's installed feature, with what the generator needs to fake its traffic. */
interface TrafficSource {
  /** 1-based position in the source lookup arrays sent with each batch. */
  index: number;
  tenant: TenantRow;
  tenantIndex: number;
  installation: InstallationRow;
  feature: FeatureRow;
  mix: WeightedPairs<Outcome>;
  /** Rule reasons (with their confidence) per outcome, in policy order. */
  reasons: Map<Outcome, { reason: string; confidence: number }[]>;
  inputs: [string, FieldSpec][];
  /** The feature version's stored input schema, compiled. */
  validate: AttributesValidator;
}

interface Slot {
  start: number;
  end: number;
  count: number;
  sources: WeightedPairs<TrafficSource>;
}

const SUBJECT_PREFIX: Record<SubjectType, string> = {
  person: 'cus_',
  business: 'biz_',
  transaction: 'txn_',
  device: 'dev_',
};

// Decisions per distinct subject: customers and devices come back, a
// transaction is only decided again on a retry.
const DECISIONS_PER_SUBJECT: Record<SubjectType, number> = {
  person: 4,
  business: 3,
  transaction: 0.05,
  device: 2,
};

// UTC hour-of-day and day-of-week shape of decision traffic (business hours, weekdays).
const HOUR_WEIGHT = [
  0.12, 0.08, 0.06, 0.06, 0.08, 0.14, 0.28, 0.52, 0.82, 0.97, 1, 1, 0.93, 0.97, 1, 0.96, 0.88, 0.74, 0.58, 0.47, 0.38,
  0.3, 0.22, 0.16,
];
const WEEKDAY_WEIGHT = [0.32, 1, 1.05, 1.05, 1, 0.92, 0.4]; // Sunday first, as getUTCDay()

const READ_OPERATIONS: WeightedPairs<string> = [
  ['DecisionsDashboard', 40],
  ['DecisionDetail', 25],
  ['AuditLog', 15],
  ['PackageCatalog', 10],
  ['TenantUsage', 10],
];

// GraphQL calls are audited with the hashes of their document and of their
// variables apart. A dashboard's document is fixed per operation, and its
// variables do not depend on the decision it follows.
const READ_DOCUMENT_SHA256 = new Map(
  READ_OPERATIONS.map(([operationName]) => [operationName, sha256Hex(`query ${operationName}($first: Int) { ... }`)]),
);
const READ_VARIABLES_SHA256 = sha256Hex(canonicalJson({ first: 50 }));
// A GraphQL createDecision's variables are the decision input, hashed as REST hashes its body.
const CREATE_DECISION_DOCUMENT_SHA256 = sha256Hex(
  'mutation CreateDecision($input: DecisionInput!) { createDecision(input: $input) { id outcome } }',
);

const REASON_COUNT: WeightedPairs<number> = [
  [1, 70],
  [2, 22],
  [3, 8],
];

/**
 * Walks the 90-day window hour by hour, in time order, producing decisions
 * (and their audit events) on demand. All randomness comes from one seeded
 * generator consumed in a fixed order, so batch size and write concurrency
 * cannot change the data.
 */
class DecisionStream {
  private readonly slots: Slot[];
  private slotIndex = 0;
  private slot: Slot | undefined;
  private times: number[] = [];
  private timeIndex = 0;
  private readonly subjectPools: Map<string, { salt: number; size: number }>;
  private readonly sources: TrafficSource[];
  private readonly actors: string[];
  private readonly actorIndex: Map<string, number>;
  private readonly chains: ChainLinker;
  /** Dashboard reads not yet due, by time: each joins its chain when the stream reaches its time. */
  private readonly pendingReads: PendingRead[] = [];
  private remaining: number;

  constructor(
    private readonly rng: Random,
    catalog: Catalog,
    private readonly now: Date,
    total: number,
    sealEvery: number,
  ) {
    this.chains = new ChainLinker([], { sealEvery });
    this.sources = trafficSources(catalog);
    this.slots = buildSlots(rng, this.sources, now.getTime(), total);
    this.subjectPools = subjectPools(rng, catalog, this.sources, total);
    this.actors = catalog.tenants.flatMap((t) => [...t.writeKeys, t.readKey]);
    this.actorIndex = new Map(this.actors.map((key, i) => [key, i + 1]));
    this.remaining = total;
  }

  /** The links to checkpoint, once the last batch has been generated. */
  sealedLinks(): ChainHead[] {
    return this.chains.sealed();
  }

  /** Parameters $22-$29 of INSERT_BATCH: per-source columns, the actors, constant hashes. */
  lookups(): string[] {
    return [
      arrayLiteral(this.sources.map((s) => s.tenant.id)),
      arrayLiteral(this.sources.map((s) => s.feature.key)),
      arrayLiteral(this.sources.map((s) => s.installation.packageVersionId)),
      arrayLiteral(this.sources.map((s) => s.feature.spec.subjectType)),
      arrayLiteral(this.sources.map((s) => s.feature.policyHash)),
      arrayLiteral(this.actors),
      CREATE_DECISION_DOCUMENT_SHA256,
      READ_VARIABLES_SHA256,
    ];
  }

  async nextBatch(size: number): Promise<Batch> {
    const batch: Batch = { decisions: new Columns(21), reads: new Columns(11) };
    for (let i = 0; i < size; i++) {
      const at = this.nextTime();
      this.addReadsDue(batch, at);
      this.addDecision(batch, this.slot!, at);
      // Let pg flush the sockets of the batches in flight while we generate.
      if (i % 1000 === 999) await yieldToEventLoop();
    }
    this.remaining -= size;
    if (this.remaining === 0) this.addReadsDue(batch, Infinity);
    return batch;
  }

  /** The next decision time; sets `this.slot` to the slot it falls in. */
  private nextTime(): number {
    while (this.timeIndex >= this.times.length) {
      const slot = this.slots[this.slotIndex++];
      if (!slot) throw new Error('DecisionStream: asked for more decisions than it was built for');
      this.slot = slot;
      const span = slot.end - slot.start;
      this.times = Array.from({ length: slot.count }, () => slot.start + Math.floor(this.rng.float() * span));
      this.times.sort((a, b) => a - b);
      this.timeIndex = 0;
    }
    return this.times[this.timeIndex++]!;
  }

  private addDecision(batch: Batch, slot: Slot, at: number): void {
    const rng = this.rng;
    const source = rng.weighted(slot.sources);
    const { tenant, feature, installation } = source;
    const outcome = rng.weighted(source.mix);

    const candidates = source.reasons.get(outcome)!;
    const chosen = pickInOrder(rng, candidates, Math.min(candidates.length, rng.weighted(REASON_COUNT)));
    const confidence = round(clamp(chosen[0]!.confidence + rng.normal() * 0.04, 0.5, 0.99), 4);
    const reasons = chosen.map((c) => c.reason);

    const subjectType = feature.spec.subjectType;
    const subjectReference = this.subjectReference(source.tenantIndex, subjectType);
    const input = {
      featureKey: feature.key,
      subject: { type: subjectType, reference: subjectReference },
      input: fakeInput(rng, source.inputs, feature.spec.optional ?? {}, outcome),
    };
    // Every seeded decision is one the API would have accepted.
    const problems = source.validate(input.input);
    if (problems.length) throw new Error(`seed: generated ${feature.key} attributes break its schema: ${JSON.stringify(problems)}`);
    const inputHash = sha256Hex(canonicalJson(input));

    const latencyMs = Math.max(1, Math.round(feature.spec.latencyMedianMs * Math.exp(0.85 * rng.normal())));
    // Time-ordered (v7) rather than v4 ids for the high-volume rows: random
    // keys scatter B-tree inserts and cost a quarter of the load rate at 1M.
    const id = rng.uuidV7(at);
    const requestId = `req_${rng.ulid(at)}`;
    const idempotencyKey = rng.chance(0.3) ? `idem_${rng.hex(12)}` : null;
    const createdAt = new Date(at).toISOString();

    const rest = rng.chance(0.85);
    const surface = rest ? 'REST' : 'GRAPHQL';
    const operationName = rest ? 'POST /v1/decisions' : 'createDecision';
    const actor = rng.chance(0.9) ? tenant.writeKeys[0]! : tenant.writeKeys[1]!;
    const record = {
      id,
      tenantId: tenant.id,
      featureKey: feature.key,
      packageVersionId: installation.packageVersionId,
      subject: input.subject,
      outcome,
      confidence,
      reasons,
      latencyMs,
      requestId,
      idempotencyKey,
      inputHash,
      policyHash: feature.policyHash,
      createdAt,
    };
    const requestEventId = rng.uuidV7(at + latencyMs);
    const createdEventId = rng.uuidV7(at);
    const recordHash = sha256Hex(canonicalJson(record));
    const requestLatencyMs = latencyMs + rng.int(2, 9);
    // The decision's two audit events, exactly as INSERT_BATCH derives them
    // from the decision's row; only their chain links are sent.
    const created = this.chains.link({
      id: createdEventId,
      tenantId: tenant.id,
      requestId,
      correlationId: null,
      actor,
      scope: 'write',
      surface,
      action: 'decision.created',
      operationName,
      resourceType: 'decision',
      resourceId: id,
      status: 'ok',
      bodySha256: recordHash,
      variablesSha256: null,
      latencyMs: null,
      createdAt: new Date(at),
    });
    const request = this.chains.link({
      id: requestEventId,
      tenantId: tenant.id,
      requestId,
      correlationId: null,
      actor,
      scope: 'write',
      surface,
      action: 'request',
      operationName,
      resourceType: null,
      resourceId: null,
      status: rest ? '201' : '200',
      bodySha256: rest ? inputHash : CREATE_DECISION_DOCUMENT_SHA256,
      variablesSha256: rest ? null : inputHash,
      latencyMs: requestLatencyMs,
      createdAt: new Date(at + latencyMs),
    });
    batch.decisions.push(
      id,
      source.index,
      subjectReference,
      outcome,
      confidence,
      reasons.join(','),
      latencyMs,
      requestId,
      idempotencyKey,
      inputHash,
      createdAt,
      requestEventId,
      createdEventId,
      recordHash,
      rest,
      requestLatencyMs,
      this.actorIndex.get(actor)!,
      created.seq,
      created.prevHash,
      created.hash,
      request.hash,
    );

    // Someone looks at the dashboards now and then, so the log is not only writes.
    if (rng.chance(0.1)) {
      const readAt = Math.min(at + rng.int(0, 30 * 60_000), this.now.getTime() - 1);
      const readOperation = rng.weighted(READ_OPERATIONS);
      this.scheduleRead({
        source: source.index,
        event: {
          id: rng.uuidV7(readAt),
          tenantId: tenant.id,
          requestId: `req_${rng.ulid(readAt)}`,
          correlationId: null,
          actor: tenant.readKey,
          scope: 'read',
          surface: 'GRAPHQL',
          action: 'request',
          operationName: readOperation,
          resourceType: null,
          resourceId: null,
          status: '200',
          bodySha256: READ_DOCUMENT_SHA256.get(readOperation)!,
          variablesSha256: READ_VARIABLES_SHA256,
          latencyMs: Math.max(1, Math.round(25 * Math.exp(0.7 * rng.normal()))),
          createdAt: new Date(readAt),
        },
      });
    }
  }

  /** Queues a read behind every read due at or before its time, so equal times keep their order. */
  private scheduleRead(read: PendingRead): void {
    const at = read.event.createdAt.getTime();
    const queue = this.pendingReads;
    let low = 0;
    let high = queue.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (queue[mid]!.event.createdAt.getTime() <= at) low = mid + 1;
      else high = mid;
    }
    queue.splice(low, 0, read);
  }

  /** Chains and adds the reads due by `until`: a chain follows time, not the order events were made up in. */
  private addReadsDue(batch: Batch, until: number): void {
    const queue = this.pendingReads;
    while (queue.length > 0 && queue[0]!.event.createdAt.getTime() <= until) {
      const { source, event } = queue.shift()!;
      const link = this.chains.link(event);
      batch.reads.push(
        event.id,
        source,
        event.requestId,
        this.actorIndex.get(event.actor)!,
        event.operationName,
        event.bodySha256,
        event.latencyMs,
        event.createdAt.toISOString(),
        link.seq,
        link.prevHash,
        link.hash,
      );
    }
  }

  // Subjects come from a per-tenant pool, skewed so some customers recur
  // more than others; references are derived from (pool salt, index), so the
  // pool is never held in memory.
  private subjectReference(tenantIndex: number, type: SubjectType): string {
    const pool = this.subjectPools.get(`${tenantIndex}:${type}`)!;
    const u = this.rng.float();
    const index = Math.floor(pool.size * (type === 'transaction' ? u : u ** 1.5));
    return SUBJECT_PREFIX[type] + mixHex(pool.salt, index) + mixHex(pool.salt ^ 0x5bd1e995, index);
  }
}

function trafficSources(catalog: Catalog): TrafficSource[] {
  const sources: TrafficSource[] = [];
  const schemas = new InputSchemaCache();
  catalog.tenants.forEach((tenant, tenantIndex) => {
    for (const installation of catalog.installations.filter((i) => i.tenantId === tenant.id)) {
      for (const feature of catalog.features.filter((f) => f.packageVersionId === installation.packageVersionId)) {
        const reasons = new Map<Outcome, { reason: string; confidence: number }[]>();
        for (const r of [...feature.policy.rules, feature.policy.default]) {
          // Reasons travel comma-joined (see INSERT_BATCH).
          if (r.reason.includes(',')) throw new Error(`catalog: reason code "${r.reason}" contains a comma`);
          const list = reasons.get(r.outcome) ?? [];
          list.push({ reason: r.reason, confidence: r.confidence });
          reasons.set(r.outcome, list);
        }
        sources.push({
          index: sources.length + 1,
          tenant,
          tenantIndex,
          installation,
          feature,
          mix: feature.spec.mix.filter(([outcome]) => feature.outcomes.includes(outcome)),
          reasons,
          inputs: Object.entries(feature.spec.inputs),
          validate: schemas.validatorFor(feature.inputSchema),
        });
      }
    }
  });
  return sources;
}

/**
 * Hourly slots over the window, each with its decision count (exactly `total`
 * overall) and the installed features that can receive traffic in it.
 */
function buildSlots(rng: Random, sources: TrafficSource[], now: number, total: number): Slot[] {
  const windowStart = now - WINDOW_DAYS * DAY_MS;
  const dayJitter = Array.from({ length: WINDOW_DAYS + 1 }, () => 0.9 + rng.float() * 0.2);
  const slots: (Slot & { weight: number })[] = [];
  for (let start = windowStart; start < now; start += HOUR_MS) {
    const end = Math.min(start + HOUR_MS, now);
    const live = sources.filter(
      (s) =>
        s.tenant.createdAt.getTime() <= start &&
        s.installation.installedAt.getTime() <= start &&
        (s.tenant.trafficEndsAt === null || end <= s.tenant.trafficEndsAt.getTime()),
    );
    // Each live tenant sends its plan's share, spread over its features by volume.
    const volumeByTenant = new Map<TenantRow, number>();
    for (const s of live) volumeByTenant.set(s.tenant, (volumeByTenant.get(s.tenant) ?? 0) + s.feature.spec.volume);
    const pairs = live.map(
      (s) => [s, (PLAN_TRAFFIC[s.tenant.plan] * s.feature.spec.volume) / volumeByTenant.get(s.tenant)!] as const,
    );
    let tenantTraffic = 0;
    for (const tenant of volumeByTenant.keys()) tenantTraffic += PLAN_TRAFFIC[tenant.plan];
    const date = new Date(start);
    const day = Math.floor((start - windowStart) / DAY_MS);
    const growth = 0.85 + (0.3 * (start - windowStart)) / (WINDOW_DAYS * DAY_MS);
    const weight =
      tenantTraffic *
      HOUR_WEIGHT[date.getUTCHours()]! *
      WEEKDAY_WEIGHT[date.getUTCDay()]! *
      dayJitter[day]! *
      growth *
      ((end - start) / HOUR_MS);
    slots.push({ start, end, count: 0, sources: pairs, weight });
  }
  apportion(slots, total);
  return slots;
}

/** Largest-remainder apportionment: integer counts proportional to weight, summing to `total`. */
function apportion(slots: (Slot & { weight: number })[], total: number): void {
  const sum = slots.reduce((s, slot) => s + slot.weight, 0);
  if (total > 0 && !(sum > 0)) throw new Error('seed: no tenant has an installed feature in the window');
  const remainders: { index: number; fraction: number }[] = [];
  let assigned = 0;
  slots.forEach((slot, index) => {
    const exact = sum > 0 ? (total * slot.weight) / sum : 0;
    slot.count = Math.floor(exact);
    assigned += slot.count;
    remainders.push({ index, fraction: exact - slot.count });
  });
  remainders.sort((a, b) => b.fraction - a.fraction || a.index - b.index);
  for (let i = 0; i < total - assigned; i++) slots[remainders[i]!.index]!.count++;
}

function subjectPools(
  rng: Random,
  catalog: Catalog,
  sources: TrafficSource[],
  total: number,
): Map<string, { salt: number; size: number }> {
  const traffic = catalog.tenants.reduce((sum, t) => sum + PLAN_TRAFFIC[t.plan], 0);
  const pools = new Map<string, { salt: number; size: number }>();
  for (const s of sources) {
    const type = s.feature.spec.subjectType;
    const key = `${s.tenantIndex}:${type}`;
    if (pools.has(key)) continue;
    const expected = (total * PLAN_TRAFFIC[s.tenant.plan]) / traffic;
    pools.set(key, { salt: rng.uint32(), size: Math.max(200, Math.ceil(expected / DECISIONS_PER_SUBJECT[type])) });
  }
  return pools;
}

/**
 * A decision input drawn from the feature's input specs, the same specs its
 * stored input schema is made from; optional attributes are left out as
 * often as their spec says.
 */
export function fakeInput(rng: Random, inputs: [string, FieldSpec][], optional: Readonly<Record<string, number>>, outcome: Outcome): Record<string, JsonValue> {
  const input: Record<string, JsonValue> = {};
  for (const [name, spec] of inputs) {
    const presence = optional[name];
    if (presence !== undefined && !rng.chance(presence)) continue;
    if (spec === 'risk') input[name] = riskScore(rng, outcome);
    else if ('int' in spec) input[name] = rng.int(spec.int[0], spec.int[1]);
    else if ('float' in spec) input[name] = round(spec.float[0] + rng.float() * (spec.float[1] - spec.float[0]), 2);
    else if ('oneOf' in spec) input[name] = rng.pick(spec.oneOf);
    else if ('country' in spec) input[name] = rng.pick(spec.country);
    else input[name] = rng.chance(spec.bool);
  }
  return input;
}

function riskScore(rng: Random, outcome: Outcome): number {
  switch (outcome) {
    case 'APPROVE':
      return rng.int(1, 60);
    case 'REVIEW':
      return rng.int(55, 90);
    case 'CHALLENGE':
      return rng.int(50, 92);
    case 'DECLINE':
      return rng.int(75, 99);
  }
}

/** `count` distinct items, kept in their original (policy) order. */
function pickInOrder<T>(rng: Random, items: readonly T[], count: number): T[] {
  if (count >= items.length) return [...items];
  const indexes = items.map((_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng.float() * (indexes.length - i));
    [indexes[i], indexes[j]] = [indexes[j]!, indexes[i]!];
  }
  return indexes
    .slice(0, count)
    .sort((a, b) => a - b)
    .map((i) => items[i]!);
}

/** 8 hex chars from a 32-bit avalanche mix (murmur3 finaliser). */
function mixHex(salt: number, index: number): string {
  let h = (salt ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0).toString(16).padStart(8, '0');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

function round(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
