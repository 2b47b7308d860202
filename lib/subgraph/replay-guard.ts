/** What the guard says of a token id. */
export type Admission = 'fresh' | 'replayed' | 'full';

/**
 * Remembers the id of every caller token a subgraph has accepted until the
 * token could no longer be accepted anyway, so a captured header works at
 * most once. Our own because what we need is small and exact: one Map in
 * insertion order (tokens live a fixed few seconds, so the oldest entries
 * expire first and are dropped from the front in amortised O(1)), and a hard
 * cap. An LRU cache would forget a live id under pressure and let its replay
 * through; here a full guard refuses new tokens instead (the subgraph answers
 * 503), which fails closed and keeps memory bounded: about 100 bytes an
 * entry, some 25 MB at the default cap of 250,000, enough for 20,000 calls a
 * second per subgraph process with a 12 s memory.
 *
 * Per process: replicas of one subgraph do not share it, so a token could be
 * replayed once to each replica of the subgraph it names (never to another
 * subgraph) within its few seconds.
 */
export class ReplayGuard {
  /** Token id → the last instant (epoch ms) at which its token could still be accepted. */
  private readonly seen = new Map<string, number>();

  constructor(readonly capacity = DEFAULT_REPLAY_GUARD_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('replay guard capacity must be a positive integer');
  }

  /** Entries held right now (expired ones are dropped lazily, on the next admission). */
  get size(): number {
    return this.seen.size;
  }

  /**
   * Records `id` as used until `until` (epoch ms) and says whether it was
   * fresh. Call it only for tokens whose signature verified, or an attacker
   * could fill the guard with ids nobody signed.
   */
  admit(id: string, until: number, now = Date.now()): Admission {
    this.forgetExpired(now);
    const known = this.seen.get(id);
    if (known !== undefined && known >= now) return 'replayed';
    if (this.seen.size >= this.capacity) return 'full';
    this.seen.set(id, until);
    return 'fresh';
  }

  private forgetExpired(now: number): void {
    // Insertion order is nearly expiry order (gateways' clocks differ by at
    // most the allowed skew); an entry behind a later one waits for it, so an
    // id is only ever forgotten late, never early.
    for (const [id, until] of this.seen) {
      if (until >= now) break;
      this.seen.delete(id);
    }
  }
}

export const DEFAULT_REPLAY_GUARD_CAPACITY = 250_000;
