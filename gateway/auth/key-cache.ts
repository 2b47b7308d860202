import { randomBytes } from 'node:crypto';
import type { Client } from 'pg';
import type { Logger } from '../../lib/logger';
import type { CredentialsRead, StoredKey } from './credentials-read';

/** The channel the credentials_changed triggers notify (migration 20261203090000). */
const CHANNEL = 'credentials_changed';
/** A key held longer is read again, whatever the notifications said: the bound on staleness if one were ever lost. */
const MAX_AGE_MS = 60_000;
/** Keys held at most; the oldest go first. */
const MAX_KEYS = 10_000;
/** How often the listener proves it still hears notifications, and how long a proof may take. */
const PROBE_EVERY_MS = 30_000;
const PROBE_WITHIN_MS = 2_000;
/** Reconnection waits double from the first to the last. */
const RETRY_FIRST_MS = 1_000;
const RETRY_LAST_MS = 60_000;

/**
 * API keys by prefix, held in the gateway so a request does not read the
 * database before anything else (one query per call). Our own rather than an
 * LRU library because what matters is the invalidation: each gateway
 * LISTENs on a connection of its own, and a key is dropped as soon as
 * PostgreSQL says it changed (revoked, rescoped, expired, deleted, or its
 * tenant's budget changed), so a revoked key is refused on every replica
 * within the notification's delay, milliseconds after the commit. Memory
 * serves keys only while the listener has proved, by a notification of its
 * own sent over another connection, that notifications reach it (at start
 * and every 30 s): a LISTEN that succeeds but hears nothing (the embedded
 * PGlite's relay) or a dead connection leaves every request reading the
 * database, as without a cache (fail closed), until it is back.
 * Unknown prefixes are not held, so guesses cannot fill it.
 */
export class KeyCache {
  private readonly keys = new Map<string, { key: StoredKey; at: number }>();
  private listener: Client | null = null;
  private listening = false;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private prober: NodeJS.Timeout | null = null;
  private retryMs = RETRY_FIRST_MS;
  private readonly probes = new Map<string, () => void>();
  /** Bumped by every notification: a read that began before one does not store its result. */
  private generation = 0;

  constructor(
    private readonly credentials: CredentialsRead,
    private readonly connect: () => Client,
    /** Sends a notification on the channel over another connection. */
    private readonly notify: (payload: string) => Promise<unknown>,
    private readonly logger: Logger,
  ) {}

  /** Whether keys are served from memory now (the notifications are heard). */
  get active(): boolean {
    return this.listening;
  }

  async byPrefix(prefix: string): Promise<StoredKey | null> {
    const held = this.listening ? this.keys.get(prefix) : undefined;
    if (held && Date.now() - held.at < MAX_AGE_MS) return held.key;
    // Noted before the read: a notification that arrives during it must win over what it returns.
    const generation = this.generation;
    const key = await this.credentials.byPrefix(prefix);
    if (key && this.listening && generation === this.generation) {
      if (this.keys.size >= MAX_KEYS) this.keys.delete(this.keys.keys().next().value!);
      this.keys.set(prefix, { key, at: Date.now() });
    } else {
      this.keys.delete(prefix);
    }
    return key;
  }

  /** The key's last use as just stamped, so the stale copy here does not stamp it on every call. */
  touched(prefix: string, at: Date): void {
    const held = this.keys.get(prefix);
    if (held) held.key = { ...held.key, lastUsedAt: at };
  }

  start(): void {
    void this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.prober) clearInterval(this.prober);
    this.drop();
    await this.listener?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    const client = this.connect();
    this.listener = client;
    const lost = (err?: Error) => {
      if (this.listener !== client) return;
      const wasListening = this.listening;
      this.listener = null;
      this.drop();
      if (this.prober) clearInterval(this.prober);
      client.end().catch(() => undefined);
      if (this.stopped) return;
      if (wasListening || this.retryMs === RETRY_FIRST_MS) {
        this.logger.warn('key cache: credentials notifications not heard; every key is read from the database until they are', { err: err?.message });
      }
      this.retry = setTimeout(() => void this.listen(), this.retryMs);
      this.retry.unref();
      this.retryMs = Math.min(this.retryMs * 2, RETRY_LAST_MS);
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (message) => this.invalidate(message.payload ?? ''));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
      await this.probe();
      if (this.listener !== client) return;
      this.listening = true;
      this.retryMs = RETRY_FIRST_MS;
      this.prober = setInterval(() => this.probe().catch((err: Error) => lost(err)), PROBE_EVERY_MS);
      this.prober.unref();
    } catch (err) {
      lost(err as Error);
    }
  }

  /** Resolves once a notification sent over another connection is heard; rejects after PROBE_WITHIN_MS. */
  private async probe(): Promise<void> {
    const token = randomBytes(12).toString('hex');
    let timer: NodeJS.Timeout | undefined;
    const heard = new Promise<void>((resolve, reject) => {
      this.probes.set(token, resolve);
      timer = setTimeout(() => reject(new Error('a notification sent to the listener did not reach it')), PROBE_WITHIN_MS);
    });
    // Awaited below; handled here too, so a rejection while notify is still running is not reported as unhandled.
    heard.catch(() => undefined);
    try {
      await this.notify(`probe:${token}`);
      await heard;
    } finally {
      clearTimeout(timer);
      this.probes.delete(token);
    }
  }

  private invalidate(payload: string): void {
    if (payload.startsWith('probe:')) return void this.probes.get(payload.slice(6))?.();
    this.generation++;
    if (payload.startsWith('key:')) this.keys.delete(payload.slice(4));
    else if (payload.startsWith('tenant:')) {
      const tenantId = payload.slice(7);
      for (const [prefix, { key }] of this.keys) if (key.tenantId === tenantId) this.keys.delete(prefix);
    } else this.keys.clear();
  }

  private drop(): void {
    this.listening = false;
    this.generation++;
    this.keys.clear();
  }
}
