import type { Pool } from 'pg';
import type { Logger } from '../logger';
import type { CheckpointSigner } from './checkpoint';
import { insertCheckpoints, unsealedChains } from './checkpoint-store';

export interface CheckpointerOptions {
  /** Seal a chain once it has grown this many events past its latest checkpoint. Default 100. */
  everyEvents?: number;
  /** Seal a chain whose oldest unsealed event is older than this. Default 10. */
  everySeconds?: number;
  /** How often to look. Default 1000 ms. */
  pollMs?: number;
  logger?: Logger;
  /** The clock (tests). */
  now?: () => Date;
}

export const DEFAULT_CHECKPOINT_EVERY_EVENTS = 100;
export const DEFAULT_CHECKPOINT_EVERY_SECONDS = 10;

/**
 * Seals the audit chains: every poll, each chain that has grown
 * `everyEvents` past its latest checkpoint, or holds an unsealed event older
 * than `everySeconds`, gets a signed checkpoint of its newest event. So at
 * any moment at most about `everyEvents` events, or `everySeconds` of them,
 * are protected by their links alone. The gateway runs it; running it in
 * several gateways at once is harmless (the first checkpoint of a seq stands).
 *
 * Every checkpoint is also logged: a log shipped elsewhere is a copy the
 * database's owner cannot delete along with the checkpoints themselves.
 */
export class AuditCheckpointer {
  private readonly everyEvents: number;
  private readonly everySeconds: number;
  private readonly pollMs: number;
  private readonly now: () => Date;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;
  private stopped = false;

  constructor(
    private readonly pool: Pool,
    private readonly signer: CheckpointSigner,
    private readonly options: CheckpointerOptions = {},
  ) {
    this.everyEvents = options.everyEvents ?? DEFAULT_CHECKPOINT_EVERY_EVENTS;
    this.everySeconds = options.everySeconds ?? DEFAULT_CHECKPOINT_EVERY_SECONDS;
    this.pollMs = options.pollMs ?? 1_000;
    this.now = options.now ?? (() => new Date());
    for (const [name, value] of Object.entries({ everyEvents: this.everyEvents, everySeconds: this.everySeconds, pollMs: this.pollMs })) {
      if (!Number.isInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer, got ${value}`);
    }
  }

  /** Polls until stop(). A failed poll is logged and the next one tries again. */
  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.timer = null;
      this.sealDue()
        .catch((error) => this.options.logger?.warn('audit checkpoint failed', { error: error instanceof Error ? error.message : String(error) }))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.pollMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.pollMs).unref();
  }

  /** Stops polling and waits for a poll in flight. Leaves the pool open. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** One poll: seals every chain that is due. Returns how many checkpoints it wrote. */
  sealDue(): Promise<number> {
    // One poll at a time, whoever calls.
    this.running ??= this.poll().finally(() => (this.running = null));
    return this.running;
  }

  private async poll(): Promise<number> {
    const now = this.now();
    const due = await unsealedChains(this.pool, { everyEvents: this.everyEvents, olderThan: new Date(now.getTime() - this.everySeconds * 1000) });
    const checkpoints = due.map((chain) =>
      this.signer.sign({ chainKey: chain.chainKey, seq: chain.headSeq, headHash: chain.headHash, signedAt: now }),
    );
    await insertCheckpoints(this.pool, checkpoints);
    for (const c of checkpoints) {
      this.options.logger?.info('audit checkpoint', { chainKey: c.chainKey, seq: c.seq, headHash: c.headHash, keyId: c.keyId, signature: c.signature });
    }
    return checkpoints.length;
  }
}
