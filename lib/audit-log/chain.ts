/**
 * The audit log is one hash chain per tenant: each event stores its 1-based
 * position in its chain, the hash of the event before it, and its own hash,
 * sha256(prev_hash || canonical JSON of its content). Altering, removing or
 * reordering any stored event breaks a link that verify.ts finds.
 *
 * Appends serialise per chain on a transaction-scoped advisory lock of the
 * chain, and continue from the chain's newest event: the head is derived,
 * never stored apart, so there is no head row to move back along with a
 * rewound tail (checkpoint.ts seals heads against that). (chain_key,
 * chain_seq) is unique, so even an append made without the lock can fail
 * but never fork a chain.
 */
import { Prisma } from '@prisma/client';
import { isUuid, uuidV7 } from '../ids';
import { arrayLiteral } from '../pg-array';
import { quote } from '../canonical-json';
import { sha256Hex } from '../hash';
import { SURFACES, type Surface } from '../vocabulary';
import type { ClientBase } from 'pg';
import { runSql, type SqlClient, type TransactionSqlClient } from '../sql';
import { auditStreamEventsFrom } from '../streams/outbox-write';

export interface AuditEventInput {
  /** Generated (time-ordered) when missing. */
  id?: string;
  /** Null for calls that never resolved to a tenant; they chain on the platform chain. */
  tenantId: string | null;
  requestId: string;
  /** The client's own id for the call (X-Correlation-Id / X-Request-Id), when it sent a well-formed one. */
  correlationId?: string | null;
  actor: string;
  scope: string | null;
  surface: Surface;
  action: string;
  /** GraphQL operation name, or the REST route. */
  operationName: string | null;
  resourceType: string | null;
  resourceId: string | null;
  status: string;
  /** SHA-256 of the GraphQL document or of the REST body. */
  bodySha256: string | null;
  /** SHA-256 of the GraphQL variables. */
  variablesSha256: string | null;
  latencyMs: number | null;
  createdAt: Date;
}

/** An event exactly as stored and hashed. */
export type AuditEventContent = Required<AuditEventInput>;

/**
 * The hashed fields and their columns. Every field of AuditEventContent is
 * here (the type says so), so nothing stored escapes the hash; verification
 * reads these same fields back.
 */
export const AUDIT_CONTENT_COLUMNS = {
  id: 'id',
  tenantId: 'tenant_id',
  requestId: 'request_id',
  correlationId: 'correlation_id',
  actor: 'actor',
  scope: 'scope',
  surface: 'surface',
  action: 'action',
  operationName: 'operation_name',
  resourceType: 'resource_type',
  resourceId: 'resource_id',
  status: 'status',
  bodySha256: 'body_sha256',
  variablesSha256: 'variables_sha256',
  latencyMs: 'latency_ms',
  createdAt: 'created_at',
} as const satisfies Record<keyof AuditEventContent, string>;

export const AUDIT_CONTENT_FIELDS = Object.keys(AUDIT_CONTENT_COLUMNS) as (keyof AuditEventContent)[];

/**
 * Fields added after chains began: hashed only when set, so every link
 * written before they existed keeps the hash it was written with.
 */
const HASHED_WHEN_SET: ReadonlySet<keyof AuditEventContent> = new Set(['correlationId']);

/** prev_hash of the first event of every chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** chain_key of the events with no tenant. */
export const PLATFORM_CHAIN_KEY = '00000000-0000-0000-0000-000000000000';

export function chainKeyOf(tenantId: string | null): string {
  return tenantId ?? PLATFORM_CHAIN_KEY;
}

// The fields in canonical JSON's key order (UTF-16 code units), each with
// the text that precedes its value.
const CANONICAL_FIELDS = [...AUDIT_CONTENT_FIELDS].sort();
const CANONICAL_NAMES = CANONICAL_FIELDS.map((field) => `${quote(field)}:`);

/**
 * hex sha256(prevHash + canonical JSON of the content fields), createdAt as
 * its ISO string: exactly canonicalJson() of the fields (tests hold it to
 * that), written out directly because it runs for every event, millions of
 * times in a seed. The migration that chained the rows already there builds
 * the same JSON in SQL.
 */
export function eventHash(prevHash: string, event: AuditEventContent): string {
  let json = '';
  for (let i = 0; i < CANONICAL_FIELDS.length; i++) {
    const field = CANONICAL_FIELDS[i]!;
    const value = field === 'createdAt' ? event.createdAt.toISOString() : event[field];
    if (value === null && HASHED_WHEN_SET.has(field)) continue;
    json += (json === '' ? '{' : ',') + CANONICAL_NAMES[i]! + (value === null ? 'null' : typeof value === 'number' ? String(value) : quote(value as string));
  }
  return sha256Hex(prevHash + json + '}');
}

const KNOWN_SURFACES = new Set<string>(SURFACES);
const INT4_MAX = 2 ** 31 - 1;
// NUL cannot be stored in a PostgreSQL text column, and a lone surrogate is
// stored as U+FFFD by the UTF-8 encoder: either way the hash of what was
// sent would not match the hash of what is read back.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function storable<T extends string | null>(text: T): T {
  return (text === null ? null : text.replace(UNSTORABLE, '\uFFFD')) as T;
}

function uuid(value: string, field: string): string {
  if (!isUuid(value)) throw new TypeError(`audit event ${field} is not a UUID: ${JSON.stringify(value)}`);
  // PostgreSQL prints uuids in lower case; the hash must see what it prints.
  return value.toLowerCase();
}

/**
 * The event as it will be stored and hashed. Throws on what PostgreSQL would
 * reject, so that one bad event fails alone rather than the batch it joins;
 * text PostgreSQL cannot hold as given is replaced, not rejected, because
 * the call must be recorded whatever it carried.
 */
export function normalizeAuditEvent(input: AuditEventInput): AuditEventContent {
  const { createdAt, latencyMs, surface } = input;
  if (!(createdAt instanceof Date) || Number.isNaN(createdAt.getTime())) {
    throw new TypeError('audit event createdAt is not a valid Date');
  }
  if (latencyMs !== null && !(Number.isInteger(latencyMs) && Math.abs(latencyMs) <= INT4_MAX)) {
    throw new TypeError(`audit event latencyMs is not a 32-bit integer: ${latencyMs}`);
  }
  if (!KNOWN_SURFACES.has(surface)) throw new TypeError(`audit event surface is unknown: ${JSON.stringify(surface)}`);
  return {
    id: input.id === undefined ? uuidV7(createdAt.getTime()) : uuid(input.id, 'id'),
    tenantId: input.tenantId === null ? null : uuid(input.tenantId, 'tenantId'),
    requestId: storable(input.requestId),
    correlationId: storable(input.correlationId ?? null),
    actor: storable(input.actor),
    scope: storable(input.scope ?? null),
    surface,
    action: storable(input.action),
    operationName: storable(input.operationName ?? null),
    resourceType: storable(input.resourceType ?? null),
    resourceId: storable(input.resourceId ?? null),
    status: storable(input.status),
    bodySha256: storable(input.bodySha256 ?? null),
    variablesSha256: storable(input.variablesSha256 ?? null),
    latencyMs,
    createdAt: new Date(createdAt.getTime()),
  };
}

export interface ChainHead {
  chainKey: string;
  lastSeq: number;
  lastHash: string;
}

export interface ChainLink {
  chainKey: string;
  seq: number;
  prevHash: string;
  hash: string;
}

/**
 * Gives events their place in their chains, in the order it is handed them,
 * continuing from the heads it starts with (a chain it has no head for
 * starts at seq 1). The one implementation of chaining: appends and the
 * demo-data generator both use it.
 */
export class ChainLinker {
  private readonly tips = new Map<string, ChainHead>();
  private readonly seals: ChainHead[] = [];

  /** `sealEvery`: keep the link at every multiple of it, for a bulk loader to checkpoint (see sealed()). */
  constructor(heads: Iterable<ChainHead> = [], private readonly options: { sealEvery?: number } = {}) {
    for (const head of heads) this.tips.set(head.chainKey, { ...head });
  }

  link(event: AuditEventContent): ChainLink {
    const chainKey = chainKeyOf(event.tenantId);
    let tip = this.tips.get(chainKey);
    if (!tip) this.tips.set(chainKey, (tip = { chainKey, lastSeq: 0, lastHash: GENESIS_HASH }));
    const prevHash = tip.lastHash;
    tip.lastSeq += 1;
    tip.lastHash = eventHash(prevHash, event);
    if (this.options.sealEvery && tip.lastSeq % this.options.sealEvery === 0) this.seals.push({ ...tip });
    return { chainKey, seq: tip.lastSeq, prevHash, hash: tip.lastHash };
  }

  /** The links at every multiple of `sealEvery`, and every chain's newest: what a bulk load checkpoints. */
  sealed(): ChainHead[] {
    const newest = this.heads().filter((h) => !this.seals.some((s) => s.chainKey === h.chainKey && s.lastSeq === h.lastSeq));
    return [...this.seals, ...newest];
  }

  /** The newest link of every chain this linker has started from or extended. */
  heads(): ChainHead[] {
    return [...this.tips.values()].map((tip) => ({ ...tip }));
  }
}

/**
 * Appends events to their chains, in the order given, with one INSERT. `db`
 * must be a single connection inside a transaction the caller commits (a pg
 * client after BEGIN, or the client of a Prisma interactive transaction):
 * the chains involved stay locked until then, so call it last in the
 * transaction and once, to keep the lock short and its order fixed.
 */
export async function appendAuditEvents(
  db: TransactionSqlClient,
  inputs: readonly AuditEventInput[],
): Promise<ChainHead[]> {
  if (inputs.length === 0) return [];
  if ('$transaction' in db) {
    // The root Prisma client runs each statement on whichever connection is
    // free, and commits each alone: the lock would not outlive the statement taking it.
    throw new TypeError('appendAuditEvents needs the client of a Prisma interactive transaction, not the root client');
  }
  const events = inputs.map(normalizeAuditEvent);
  const chainKeys = chainKeysOf(events);
  await runSql(db, lockChains(Prisma.sql`unnest(${arrayLiteral(chainKeys)}::uuid[]) AS k(chain_key)`));
  const linker = new ChainLinker(await readChainHeads(db, chainKeys));
  const links = events.map((event) => linker.link(event));
  await runSql(db, insertEvents(events, links));
  return linker.heads();
}

/** The distinct chains of `events`, sorted. */
export function chainKeysOf(events: readonly AuditEventContent[]): string[] {
  return [...new Set(events.map((e) => chainKeyOf(e.tenantId)))].sort();
}

/**
 * The newest link of each chain as committed now, one head per chain asked
 * for (a chain with none is at seq 0, on the genesis hash). Under the
 * chains' locks (appendAuditEvents) it is where appends continue; without
 * them it is a guess for appendAuditEventsAtHeads, which checks it.
 */
export async function readChainHeads(db: SqlClient, chainKeys: readonly string[]): Promise<ChainHead[]> {
  const rows = await runSql<{ chainKey: string; lastSeq: string; lastHash: string }>(db, newestLinks(chainKeys));
  return rows.map((h) => ({ ...h, lastSeq: Number(h.lastSeq) }));
}

/**
 * Appends events in one statement run on its own (autocommit: durable when
 * it returns), continuing each chain from the head the caller believes it
 * has. The statement takes the chains' locks, as appendAuditEvents does, and
 * inserts only if every head is still the chain's newest link; so a guess
 * gone stale (another process appended, or the tail was rewound) writes
 * nothing rather than forking or leaving a gap. It saves the four round trips
 * of BEGIN, lock, read and COMMIT on every batch of a writer that keeps its
 * chains' heads. The check reads the statement's snapshot, taken before the
 * lock was granted: an append committed while it waited is not seen there,
 * but the unique (chain_key, chain_seq) index does see it and fails the
 * statement (23505); the caller falls back to appendAuditEvents either way.
 * `heads` must hold every chain of `events`.
 *
 * Returns whether the events were appended, and each chain's newest link as
 * the statement found it (after the append: the new heads).
 */
export async function appendAuditEventsAtHeads(
  db: ClientBase,
  events: readonly AuditEventContent[],
  heads: readonly ChainHead[],
): Promise<{ appended: boolean; heads: ChainHead[] }> {
  const linker = new ChainLinker(heads);
  const links = events.map((event) => linker.link(event));
  const rows = await runSql<{ appended: number; chainKey: string; lastSeq: string; lastHash: string }>(
    db,
    insertEventsAtHeads(events, links, heads),
  );
  if (rows[0]?.appended === events.length) return { appended: true, heads: linker.heads() };
  return { appended: false, heads: rows.map((h) => ({ chainKey: h.chainKey, lastSeq: Number(h.lastSeq), lastHash: h.lastHash })) };
}

/** The advisory lock id of a chain: 64 bits of a hash of its key, in a namespace of its own. */
function chainLockId(chainKey: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`hashtextextended('audit_chain:' || ${chainKey}, 0)`;
}

/**
 * Locks the chains until the transaction ends, in lock-id order, so that
 * two transactions appending to overlapping chains cannot deadlock (the
 * outer scan reads the sorted subquery, so the locks are taken in its
 * order). Two chains whose ids collide just share a lock. `chains` is a
 * FROM item with a uuid column chain_key.
 */
function lockChains(chains: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    SELECT pg_advisory_xact_lock(lock_id)::text AS locked
    FROM (SELECT DISTINCT ${chainLockId(Prisma.sql`chain_key::text`)} AS lock_id
          FROM ${chains}
          ORDER BY 1) AS ids`;
}

/**
 * The newest event of the chain `chainKey` names, as `e` (one backward index
 * probe; no row for a chain with none), and the head it makes: its seq and
 * hash, or 0 and the genesis hash.
 */
function newestLinkOf(chainKey: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`LEFT JOIN LATERAL (
      SELECT chain_seq, hash FROM audit_events WHERE chain_key = ${chainKey} ORDER BY chain_seq DESC LIMIT 1
    ) AS e ON true`;
}
const HEAD_SEQ = Prisma.sql`coalesce(e.chain_seq, 0)`;
const HEAD_HASH = Prisma.sql`coalesce(e.hash, ${GENESIS_HASH})`;

/** Each chain's head: where appends continue. */
function newestLinks(chainKeys: readonly string[]): Prisma.Sql {
  return Prisma.sql`
    SELECT k.chain_key::text AS "chainKey", ${HEAD_SEQ}::text AS "lastSeq", ${HEAD_HASH} AS "lastHash"
    FROM unnest(${arrayLiteral(chainKeys)}::uuid[]) AS k(chain_key)
    ${newestLinkOf(Prisma.raw('k.chain_key'))}`;
}

/**
 * Every event in one multi-row INSERT, and with each its row in the live
 * streams' outbox (lib/streams/outbox-write.ts says why an outbox): same
 * statement, same transaction, so an event streams exactly when it is in
 * the trail. The outbox carries what `auditEventAppended` filters match on.
 */
function insertEvents(events: readonly AuditEventContent[], links: ChainLink[]): Prisma.Sql {
  return Prisma.sql`
    WITH appended AS (${insertEventRows(events, links, Prisma.empty)})
    ${auditStreamEventsFrom(Prisma.raw('appended'))}`;
}

/**
 * insertEvents in one statement with the lock and the check of the heads
 * (appendAuditEventsAtHeads). It answers a row per chain: how many events
 * went in, and the chain's newest link as the statement saw it. `found`
 * waits on `locked` (an InitPlan, run before its scan), so the heads are
 * read once the locks are held, though in the statement's snapshot.
 */
function insertEventsAtHeads(events: readonly AuditEventContent[], links: ChainLink[], heads: readonly ChainHead[]): Prisma.Sql {
  const expected = Prisma.sql`unnest(${arrayLiteral(heads.map((h) => h.chainKey))}::uuid[], ${arrayLiteral(heads.map((h) => h.lastSeq))}::int8[],
                 ${arrayLiteral(heads.map((h) => h.lastHash))}::text[]) AS x(chain_key, seq, hash)`;
  return Prisma.sql`
    WITH locked AS (SELECT count(l.locked) AS chains FROM (${lockChains(expected)}) AS l),
    found AS (
      SELECT x.chain_key, x.seq, x.hash, ${HEAD_SEQ} AS head_seq, ${HEAD_HASH} AS head_hash
      FROM ${expected}
      ${newestLinkOf(Prisma.raw('x.chain_key'))}
      WHERE (SELECT chains FROM locked) > 0),
    appended AS (${insertEventRows(events, links, Prisma.sql`WHERE (SELECT bool_and(head_seq = seq AND head_hash = hash) FROM found)`)}),
    streamed AS (${auditStreamEventsFrom(Prisma.raw('appended'))} RETURNING 1)
    SELECT (SELECT count(*) FROM streamed)::int AS appended, f.chain_key::text AS "chainKey",
           f.head_seq::text AS "lastSeq", f.head_hash AS "lastHash"
    FROM found AS f`;
}

/** The INSERT of the events' rows (only where `where` holds), returning what the outbox rows carry. */
function insertEventRows(events: readonly AuditEventContent[], links: ChainLink[], where: Prisma.Sql): Prisma.Sql {
  const column = <K extends keyof AuditEventContent>(field: K) =>
    arrayLiteral(events.map((e) => e[field] as string | number | null));
  return Prisma.sql`
    INSERT INTO audit_events (id, tenant_id, request_id, correlation_id, actor, scope, surface, action, operation_name,
                              resource_type, resource_id, status, body_sha256, variables_sha256, latency_ms,
                              created_at, chain_key, chain_seq, prev_hash, hash)
    SELECT * FROM unnest(
      ${column('id')}::uuid[], ${column('tenantId')}::uuid[], ${column('requestId')}::text[], ${column('correlationId')}::text[],
      ${column('actor')}::text[], ${column('scope')}::text[], ${column('surface')}::"Surface"[],
      ${column('action')}::text[], ${column('operationName')}::text[], ${column('resourceType')}::text[],
      ${column('resourceId')}::text[], ${column('status')}::text[], ${column('bodySha256')}::text[],
      ${column('variablesSha256')}::text[], ${column('latencyMs')}::int[],
      ${arrayLiteral(events.map((e) => e.createdAt.toISOString()))}::timestamptz[],
      ${arrayLiteral(links.map((l) => l.chainKey))}::uuid[], ${arrayLiteral(links.map((l) => l.seq))}::int8[],
      ${arrayLiteral(links.map((l) => l.prevHash))}::text[], ${arrayLiteral(links.map((l) => l.hash))}::text[])
    ${where}
    RETURNING id, tenant_id, request_id, correlation_id, actor, surface, action, resource_type, resource_id`;
}
