import { Redis } from 'ioredis';
import { rateLimitRejections } from '../../lib/metrics';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Caller } from '../../lib/caller';
import type { Logger } from '../../lib/logger';

/** Whose budget a call spends, and how big that budget is per minute. */
export interface RateSubject {
  /** `tenant:<id>`, or `actor:<actor>` for a platform operator's token that names no tenant. */
  key: string;
  perMinute: number;
}

/** The limit state of one call, as the response headers report it. */
export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window that was charged resets. */
  resetSeconds: number;
  /** The units this call was charged. */
  weight: number;
}

const WINDOW_SECONDS = 60;

/** Units a GraphQL operation costs: one per started hundred of its estimated cost (gateway/graphql/operation-analysis.ts), at least one. */
export function operationWeight(cost: number): number {
  return Math.max(1, Math.ceil(Math.max(0, cost) / 100));
}

/**
 * Per-tenant budgets, one limiter for REST, GraphQL and later WebSocket.
 * With REDIS_URL the counters live in Redis (rate-limiter-flexible's
 * atomic Lua script), so every gateway instance spends one shared budget.
 * When Redis cannot answer, each instance falls back to counting the same
 * budget in its own memory (the library's insurance limiter): calls stay
 * limited, never unlimited and never refused wholesale, and the shared
 * counters take over again as soon as Redis answers. Without REDIS_URL
 * (the embedded default) the memory limiter is the only one.
 */
export class TenantRateLimiter {
  private readonly limiters = new Map<number, RateLimiterAbstract>();

  constructor(private readonly redis: Redis | null) {}

  /** Charges a verified caller's budget: its tenant's, or for an operator token that names none, its own. */
  charge(caller: Caller, perMinute: number, weight: number): Promise<RateDecision> {
    return this.consume({ key: caller.tenantId ? `tenant:${caller.tenantId}` : `actor:${caller.actor}`, perMinute }, weight);
  }

  async consume(subject: RateSubject, weight: number): Promise<RateDecision> {
    const limit = Math.max(1, subject.perMinute);
    const limiter = this.limiterFor(limit);
    let result: RateLimiterRes;
    let allowed = true;
    try {
      result = await limiter.consume(subject.key, weight);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      result = refusal;
      allowed = false;
      rateLimitRejections.inc();
    }
    return {
      allowed,
      limit,
      remaining: Math.max(0, result.remainingPoints),
      resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
      weight,
    };
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
  }

  // One limiter per budget size: rate-limiter-flexible fixes the points per limiter, and budgets come in a few sizes.
  private limiterFor(points: number): RateLimiterAbstract {
    let limiter = this.limiters.get(points);
    if (limiter) return limiter;
    const memory = new RateLimiterMemory({ points, duration: WINDOW_SECONDS, keyPrefix: `rl${points}` });
    limiter = this.redis
      ? new RateLimiterRedis({
          storeClient: this.redis,
          points,
          duration: WINDOW_SECONDS,
          keyPrefix: `mai:rl:${points}`,
          rejectIfRedisNotReady: true,
          insuranceLimiter: memory,
        })
      : memory;
    this.limiters.set(points, limiter);
    return limiter;
  }
}

/** A Redis client that fails fast while Redis is away (no queue of commands waiting on it) and reconnects by itself. */
export function connectRateLimitRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1_000,
    commandTimeout: 500,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.warn('rate-limit store unavailable: counting budgets per process until it returns', { err: err.message });
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('rate-limit store back: budgets shared again');
    down = false;
  });
  return redis;
}

/** Why a call was refused, for people: the budget is spent, or this one call weighs more than it holds. */
export function rateLimitedMessage(decision: RateDecision): string {
  return decision.weight > decision.limit
    ? `this operation weighs ${decision.weight} units, more than the ${decision.limit} per minute this credential's budget holds`
    : `the rate budget of ${decision.limit} units per minute is spent; retry after ${decision.resetSeconds} s`;
}

/** The limit state on every response: the IETF httpapi draft's fields and the X-RateLimit-* ones clients already read. */
export function rateLimitHeaders(decision: RateDecision, now = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {
    'ratelimit-policy': `"tenant";q=${decision.limit};w=${WINDOW_SECONDS}`,
    ratelimit: `"tenant";r=${decision.remaining};t=${decision.resetSeconds}`,
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(now / 1000) + decision.resetSeconds),
  };
  if (!decision.allowed) headers['retry-after'] = String(decision.resetSeconds);
  return headers;
}
