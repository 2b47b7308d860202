import { context, ROOT_CONTEXT, type Context } from '@opentelemetry/api';
import { DatabaseError, type Pool, type PoolClient } from 'pg';
import { auditBatchEvents, auditBatches, auditBatchSeconds } from '../metrics';
import type { Logger } from '../logger';
import {
  appendAuditEvents,
  appendAuditEventsAtHeads,
  chainKeyOf,
  chainKeysOf,
  normalizeAuditEvent,
  readChainHeads,
  type AuditEventContent,
  type AuditEventInput,
  type ChainHead,
} from './chain';

export interface AuditWriterOptions {
  /** Most events per transaction. Default 500. */
  maxBatch?: number;
  logger?: Logger;
  /** Called after every transaction, committed or not (metrics, tests). */
  onFlush?: (flush: { events: number; ms: number; error?: unknown }) => void;
}

interface Pending {
  event: AuditEventContent;
  /** The recording call's trace context: its batch's statements are spans of the first call in the batch. */
  context: Context;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const DEFAULT_MAX_BATCH = 500;
/** Chains whose heads a writer keeps; past it the least recently written is forgotten (and read again when next written). */
const MAX_KNOWN_HEADS = 10_000;

/**
 * Group commit for the request audit log. One transaction is in flight at a
 * time; records made meanwhile queue, and the next transaction takes all of
 * them (up to maxBatch) in one INSERT. So an idle writer commits a record at
 * once, and a busy one costs one commit per round trip instead of one per
 * request, with no timer deciding when to flush. record() settles only when
 * the transaction holding the event has committed (or failed), so a caller
 * that awaits it before answering never answers for a call that left no
 * record.
 *
 * A batch is one statement when the writer knows its chains' heads (it keeps
 * the heads its own appends made): appendAuditEventsAtHeads checks them
 * and appends under the chains' locks, in one round trip instead of five
 * (BEGIN, lock, read heads, INSERT, COMMIT). A head it has not seen is read
 * first, without a lock; a head another process moved is corrected from
 * what the statement saw, and tried once more; past that, or on any error
 * the database reports, the batch takes the locked transaction.
 *
 * Give the pool a query_timeout (and connectionTimeoutMillis): a connection
 * that hangs rather than fails holds every queued record with it.
 */
export class AuditWriter {
  private readonly maxBatch: number;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  /** Each chain's newest link as this writer last saw it: a guess the append checks, never trusted alone. */
  private readonly heads = new Map<string, ChainHead>();

  constructor(
    private readonly pool: Pool,
    private readonly options: AuditWriterOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? DEFAULT_MAX_BATCH;
    if (!Number.isInteger(this.maxBatch) || this.maxBatch < 1) {
      throw new TypeError(`maxBatch must be a positive integer, got ${options.maxBatch}`);
    }
  }

  /**
   * Resolves once the event is committed; rejects if its chain's part of
   * the batch could not be written even alone (see flush), or at once if the
   * event itself is malformed or the writer closed.
   */
  record(input: AuditEventInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error('AuditWriter is closed'));
    let event: AuditEventContent;
    try {
      event = normalizeAuditEvent(input);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ event, context: context.active(), resolve, reject });
      // The loop outlives the call that started it: it runs in no call's context, and each batch in its first call's.
      this.draining ??= context.with(ROOT_CONTEXT, () => this.drain());
    });
  }

  /** Refuses new records and waits until every queued one has settled. Leaves the pool open. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) await this.flush();
    // Reached only after an await, so `draining` was already set; and in the
    // same turn as the empty check, so no record can slip in between.
    this.draining = null;
  }

  /**
   * Writes a batch in one transaction. If that fails, and the connection is
   * still sound, the batch is written again chain by chain, each chain under
   * a savepoint of one transaction: a chain that fails then (its own events
   * are at fault) is rolled back alone and its records rejected, and every
   * other tenant's records commit. A lost connection fails the whole batch:
   * nothing was written, and nothing could be.
   */
  private async flush(): Promise<void> {
    const started = performance.now();
    let client: PoolClient | undefined;
    let batch: Pending[] = [];
    let error: unknown;
    let failed: Pending[] = [];
    try {
      client = await this.pool.connect();
      // pg emits a lost connection on the client as well as failing the
      // query in flight; unheard, that event would crash the process.
      client.on('error', ignore);
      // Taken after the connection is ours: records made while waiting for it join too.
      batch = this.queue.splice(0, this.maxBatch);
      const traced = batch[0]?.context ?? ROOT_CONTEXT;
      const events = batch.map((p) => p.event);
      const chainKeys = chainKeysOf(events);
      try {
        await context.with(traced, async () => {
          if (await this.appendAtKnownHeads(client!, events, chainKeys)) return;
          this.remember(await inTransaction(client!, () => appendAuditEvents(client!, events)));
        });
      } catch (batchError) {
        this.forget(chainKeys);
        failed = await context.with(traced, () => this.chainByChain(client!, batch, batchError));
        if (failed.length === batch.length) error = batchError;
      }
    } catch (caught) {
      error = caught;
      failed = batch;
      // Without a connection nothing was attempted: fail what was waiting for it.
      if (batch.length === 0) batch = failed = this.queue.splice(0, this.maxBatch);
    } finally {
      // A failed connection is closed rather than reused, whatever its state;
      // closing it also rolls back what it had begun.
      client?.off('error', ignore);
      client?.release(error === undefined ? undefined : toError(error));
    }
    const rejected = new Set(failed);
    for (const p of batch) {
      if (!rejected.has(p)) p.resolve();
      else p.reject(error ?? new Error('audit events of this chain could not be written'));
    }
    if (error !== undefined) {
      this.options.logger?.error('audit events not written', { events: batch.length, error: toError(error) });
    }
    if (batch.length > 0) {
      auditBatches.inc({ outcome: error === undefined ? 'ok' : 'failed' });
      auditBatchEvents.observe(batch.length);
      auditBatchSeconds.observe((performance.now() - started) / 1000);
    }
    try {
      this.options.onFlush?.({ events: batch.length, ms: performance.now() - started, ...(error !== undefined && { error }) });
    } catch (hookError) {
      // A broken hook must not stop the queue from draining.
      this.options.logger?.error('audit onFlush hook failed', { error: toError(hookError) });
    }
  }

  /**
   * The batch in one statement at the heads this writer knows (reading the
   * ones it does not), twice at most. False when the heads moved under it
   * both times, or the database refused the statement: the caller takes the
   * locked transaction, which cannot be outrun. A fault of the connection
   * itself (no SQLSTATE) is thrown: nothing more can be tried on it.
   */
  private async appendAtKnownHeads(client: PoolClient, events: AuditEventContent[], chainKeys: string[]): Promise<boolean> {
    try {
      const unknown = chainKeys.filter((key) => !this.heads.has(key));
      if (unknown.length > 0) this.remember(await readChainHeads(client, unknown));
      for (let attempt = 0; attempt < 2; attempt++) {
        const result = await appendAuditEventsAtHeads(client, events, chainKeys.map((key) => this.heads.get(key)!));
        this.remember(result.heads);
        if (result.appended) return true;
      }
      return false;
    } catch (error) {
      if (!(error instanceof DatabaseError)) throw error;
      this.forget(chainKeys);
      return false;
    }
  }

  private remember(heads: ChainHead[]): void {
    for (const head of heads) {
      // Re-inserted, so the Map's order is least recently written first.
      this.heads.delete(head.chainKey);
      this.heads.set(head.chainKey, head);
      if (this.heads.size > MAX_KNOWN_HEADS) this.heads.delete(this.heads.keys().next().value!);
    }
  }

  private forget(chainKeys: string[]): void {
    for (const key of chainKeys) this.heads.delete(key);
  }

  /**
   * The batch again, one chain per savepoint. Returns the records not
   * written; rethrows when the connection itself failed (nothing written).
   */
  private async chainByChain(client: PoolClient, batch: Pending[], batchError: unknown): Promise<Pending[]> {
    const chains = new Map<string, Pending[]>();
    for (const p of batch) {
      const key = chainKeyOf(p.event.tenantId);
      chains.set(key, [...(chains.get(key) ?? []), p]);
    }
    // One chain alone: the retry would fail the same way.
    if (chains.size === 1) return batch;
    const failed: Pending[] = [];
    await inTransaction(client, async () => {
      for (const [chainKey, pending] of chains) {
        await client.query('SAVEPOINT audit_chain');
        try {
          await appendAuditEvents(client, pending.map((p) => p.event));
          await client.query('RELEASE SAVEPOINT audit_chain');
        } catch (chainError) {
          await client.query('ROLLBACK TO SAVEPOINT audit_chain');
          failed.push(...pending);
          this.options.logger?.error('audit events of one chain not written; the other chains of the batch were', {
            chainKey,
            events: pending.length,
            error: toError(chainError),
          });
        }
      }
    });
    this.options.logger?.warn('audit batch failed as a whole and was written chain by chain', {
      chains: chains.size,
      failedEvents: failed.length,
      error: toError(batchError),
    });
    return failed;
  }
}

/** BEGIN, work, COMMIT on one client; ROLLBACK (when the connection still answers) on failure. */
async function inTransaction<T>(client: PoolClient, work: () => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function ignore(): void {}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
