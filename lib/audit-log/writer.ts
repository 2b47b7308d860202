import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../logger';
import { appendAuditEvents, normalizeAuditEvent, type AuditEventContent, type AuditEventInput } from './chain';

export interface AuditWriterOptions {
  /** Most events per transaction. Default 500. */
  maxBatch?: number;
  logger?: Logger;
  /** Called after every transaction, committed or not (metrics, tests). */
  onFlush?: (flush: { events: number; ms: number; error?: unknown }) => void;
}

interface Pending {
  event: AuditEventContent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

const DEFAULT_MAX_BATCH = 500;

/**
 * Group commit for the request audit log. One transaction is in flight at a
 * time; records made meanwhile queue, and the next transaction takes all of
 * them (up to maxBatch) in one INSERT. So an idle writer commits a record at
 * once, and a busy one costs one commit per round trip instead of one per
 * request, with no timer deciding when to flush. record() settles only when
 * the transaction holding the event has committed (or failed), so a caller
 * that awaits it before answering never answers for a call that left no
 * record. Give the pool a query_timeout (and connectionTimeoutMillis): a
 * connection that hangs rather than fails holds every queued record with it.
 */
export class AuditWriter {
  private readonly maxBatch: number;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;

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
   * Resolves once the event is committed; rejects if the transaction it
   * joined failed (every event in it failed too: nothing was written), or
   * at once if the event itself is malformed or the writer closed.
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
      this.queue.push({ event, resolve, reject });
      this.draining ??= this.drain();
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

  private async flush(): Promise<void> {
    const started = performance.now();
    let client: PoolClient | undefined;
    let batch: Pending[] = [];
    let error: unknown;
    try {
      client = await this.pool.connect();
      // pg emits a lost connection on the client as well as failing the
      // query in flight; unheard, that event would crash the process.
      client.on('error', ignore);
      // Taken after the connection is ours: records made while waiting for it join too.
      batch = this.queue.splice(0, this.maxBatch);
      await client.query('BEGIN');
      await appendAuditEvents(client, batch.map((p) => p.event));
      await client.query('COMMIT');
    } catch (caught) {
      error = caught;
      // Without a connection nothing was attempted: fail what was waiting for it.
      if (batch.length === 0) batch = this.queue.splice(0, this.maxBatch);
    } finally {
      // A failed connection is closed rather than reused, whatever its state;
      // closing it also rolls back what it had begun.
      client?.off('error', ignore);
      client?.release(error === undefined ? undefined : toError(error));
    }
    for (const p of batch) {
      if (error === undefined) p.resolve();
      else p.reject(error);
    }
    if (error !== undefined) {
      this.options.logger?.error('audit events not written', { events: batch.length, error: toError(error) });
    }
    try {
      this.options.onFlush?.({ events: batch.length, ms: performance.now() - started, ...(error !== undefined && { error }) });
    } catch (hookError) {
      // A broken hook must not stop the queue from draining.
      this.options.logger?.error('audit onFlush hook failed', { error: toError(hookError) });
    }
  }
}

function ignore(): void {}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
