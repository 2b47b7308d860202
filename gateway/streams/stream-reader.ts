import type { Pool } from 'pg';
import type { Logger } from '../../lib/logger';
import type { StreamBus } from '../../lib/streams/bus';
import type { StreamTopic } from '../../lib/streams/outbox-write';
import { MAX_BIGINT, type StreamPosition } from '../../lib/streams/stream-position';

/** One committed outbox row. */
export interface StreamEvent {
  position: StreamPosition;
  topic: StreamTopic;
  /** Null for an audit event of the platform chain. */
  tenantId: string | null;
  entityId: string;
  attributes: Record<string, string | null>;
}

interface Row {
  commit: string;
  seq: string;
  topic: StreamTopic;
  tenant_id: string | null;
  entity_id: string;
  attributes: Record<string, string | null>;
}

/** Rows read per statement, by the live reader and by a replay. */
export const STREAM_PAGE = 500;

/**
 * Reads rows after a position in commit order: by the number each writing
 * transaction got at commit (stream_commits), then the row's sequence. A
 * number is given only once every smaller one is visible, so nothing can
 * later appear behind a position already read.
 */
export async function readStreamEvents(
  pool: Pool,
  after: StreamPosition,
  options: { tenantId?: string | null; topic?: StreamTopic; limit?: number } = {},
): Promise<StreamEvent[]> {
  const { rows } = await pool.query<Row>(
    `SELECT c.commit_seq::text AS commit, e.seq::text AS seq, e.topic, e.tenant_id, e.entity_id, e.attributes
       FROM stream_commits c
       JOIN stream_events e ON e.tx_id = c.tx_id
      -- The row comparison spelled out, so the scan of stream_commits starts at the position instead of at the first commit.
      WHERE c.commit_seq >= $1::bigint AND (c.commit_seq > $1::bigint OR e.seq > $2::bigint)
        AND ($3::uuid IS NULL OR e.tenant_id = $3::uuid)
        AND ($4::text IS NULL OR e.topic = $4::text)
      ORDER BY c.commit_seq, e.seq
      LIMIT $5`,
    [after.commit.toString(), after.seq.toString(), options.tenantId ?? null, options.topic ?? null, options.limit ?? STREAM_PAGE],
  );
  return rows.map((r) => ({ position: { commit: BigInt(r.commit), seq: BigInt(r.seq) }, topic: r.topic, tenantId: r.tenant_id, entityId: r.entity_id, attributes: r.attributes }));
}

/** Where the stream stands now: after every transaction numbered so far. */
async function currentHead(pool: Pool): Promise<StreamPosition> {
  const { rows } = await pool.query<{ last: string }>('SELECT coalesce(max(commit_seq), 0)::text AS last FROM stream_commits');
  return { commit: BigInt(rows[0]!.last), seq: MAX_BIGINT };
}

/**
 * One per gateway replica: follows the outbox from where it stood at start
 * and hands each committed event, in commit order, to the listener. Woken
 * by the bus, and polling as well, so a dead bus or a lost message only
 * delays events; a failed read is retried from the same position.
 */
export class StreamReader {
  private position: StreamPosition | null = null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private unsubscribe: (() => void) | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly pool: Pool,
    private readonly bus: StreamBus,
    private readonly listener: (events: StreamEvent[]) => void,
    private readonly logger: Logger,
    private readonly pollMs = 500,
  ) {}

  start(): void {
    this.unsubscribe = this.bus.onWake(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** The position live events start after; null until the first read succeeded. */
  head(): StreamPosition | null {
    return this.position;
  }

  /** Whether the reader can read the outbox (false while the database is down). */
  healthy(): boolean {
    return this.lastError === null && this.position !== null;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      this.position ??= await currentHead(this.pool);
      for (;;) {
        const events = await readStreamEvents(this.pool, this.position);
        if (!events.length) break;
        this.position = events[events.length - 1]!.position;
        this.listener(events);
        if (events.length < STREAM_PAGE) break;
      }
      if (this.lastError) this.logger.info('stream reader: outbox readable again');
      this.lastError = null;
    } catch (err) {
      const message = (err as Error).message;
      if (this.lastError !== message) this.logger.warn('stream reader: cannot read the outbox; retrying', { err: message });
      this.lastError = message;
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
