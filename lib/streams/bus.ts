import { EventEmitter } from 'node:events';
import { context, ROOT_CONTEXT } from '@opentelemetry/api';
import { Redis } from 'ioredis';
import type { Logger } from '../logger';

/**
 * Wakes the gateways' stream readers when events commit. It carries no
 * event: the outbox in PostgreSQL is the record, read in commit order, and
 * a reader also polls it, so a lost or late message delays a stream and
 * never loses an event. That is why plain pub/sub is enough here.
 */
export interface StreamBus {
  /** Announces that events committed. Never throws: a dead bus only delays readers. */
  publish(): void;
  /** Calls `wake` on every announcement, from any replica; the returned function stops it. */
  onWake(wake: () => void): () => void;
  /** Whether announcements currently flow (false while Redis is unreachable). */
  healthy(): boolean;
  close(): Promise<void>;
}

const CHANNEL = 'micro-ai:stream-events';

/** One process: the embedded start, where the subgraphs and the gateway share memory. */
export class InProcessBus implements StreamBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  publish(): void {
    // Readers woken here resolve events for every subscriber: work of their own, not of the request whose commit announced it.
    context.with(ROOT_CONTEXT, () => this.emitter.emit(CHANNEL));
  }

  onWake(wake: () => void): () => void {
    this.emitter.on(CHANNEL, wake);
    return () => this.emitter.off(CHANNEL, wake);
  }

  healthy(): boolean {
    return true;
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * Redis pub/sub across replicas (REDIS_URL). Chosen over PostgreSQL
 * LISTEN/NOTIFY because Redis is already the replicas' shared state (rate
 * limits), and a NOTIFY holds a lock at commit that serialises the commits
 * of every writer. ioredis reconnects by itself; while it cannot, readers
 * fall back on polling.
 */
export class RedisBus implements StreamBus {
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly wakers = new Set<() => void>();
  private subscribed = false;

  constructor(url: string, private readonly logger: Logger) {
    const options = { lazyConnect: false, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: (times: number) => Math.min(times * 200, 2_000) };
    this.pub = new Redis(url, options);
    this.sub = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null });
    for (const client of [this.pub, this.sub]) client.on('error', (err) => this.logger.warn('stream bus: redis error', { err: err.message }));
    this.sub.on('message', () => {
      for (const wake of this.wakers) wake();
    });
    this.sub.on('ready', () => {
      this.sub.subscribe(CHANNEL).then(
        () => {
          this.subscribed = true;
          // Whatever was announced while the bus was away is in the outbox: read it now.
          for (const wake of this.wakers) wake();
        },
        (err: Error) => this.logger.warn('stream bus: subscribe failed', { err: err.message }),
      );
    });
    this.sub.on('close', () => {
      this.subscribed = false;
    });
  }

  publish(): void {
    this.pub.publish(CHANNEL, '1').catch((err: Error) => this.logger.warn('stream bus: publish failed', { err: err.message }));
  }

  onWake(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  healthy(): boolean {
    return this.subscribed && this.sub.status === 'ready';
  }

  async close(): Promise<void> {
    this.wakers.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
