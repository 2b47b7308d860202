import { createClient, type Client } from 'graphql-ws/client';
import type { LiveDecisionFragment } from '../__generated__/graphql';
import { describeError, source } from './graph';
import { liveDecisionsSubscription } from './operations';

export type LiveStatus =
  | { state: 'connecting' }
  | { state: 'live' }
  | { state: 'reconnecting'; attempt: number; inMs: number; why: string }
  | { state: 'stopped'; why: string };

export interface FollowOptions {
  apiKey: string;
  tenantId: string;
  /** Resume after this stream cursor (a decision's streamCursor); null for decisions committed from now on. */
  after: string | null;
  onDecision(decision: LiveDecisionFragment): void;
  onStatus(status: LiveStatus): void;
}

/**
 * Close codes (README "Live streams") after which trying again with the same
 * key and document cannot succeed: a refused, revoked or expired credential,
 * or a message the gateway will never take.
 */
const FINAL_CLOSE: Record<number, string> = {
  4401: 'the key expired',
  4403: 'the gateway refused the key, or it was revoked',
  4400: 'the gateway found a malformed message',
  4406: 'the gateway refused the subprotocol',
  4409: 'the subscription id was already in use',
  4429: 'the connection was initialised twice',
  1009: 'a message was too large',
};
/** Error codes of a subscription the gateway ended that resuming from the last cursor answers. */
const RESUMABLE = new Set(['RATE_LIMITED', 'SLOW_CONSUMER', 'STREAM_OVERLOADED', 'SHUTTING_DOWN', 'SUBGRAPH_UNAVAILABLE', 'AUDIT_UNAVAILABLE']);
const MAX_DELAY_MS = 10_000;

type Failure = { final: boolean; why: string };

function classify(err: unknown): Failure {
  if (Array.isArray(err)) {
    const first = describeError(err[0] ?? { message: 'the subscription was refused' });
    return { final: !RESUMABLE.has(first.code ?? ''), why: first.message };
  }
  const close = err as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number') {
    const final = FINAL_CLOSE[close.code];
    const reason = typeof close.reason === 'string' && close.reason ? `: ${close.reason}` : '';
    return final ? { final: true, why: `${final} (${close.code}${reason})` } : { final: false, why: `the connection closed (${close.code}${reason})` };
  }
  return { final: false, why: err instanceof Error ? err.message : 'the connection failed' };
}

/**
 * Follows the tenant's decisions over graphql-ws on the page's own origin.
 * The client's own retries would resubscribe with the first `after`, so
 * they are off: each connection here subscribes afresh from the last cursor
 * received, which the gateway replays from with no gap and no duplicate.
 * Returns a function that stops following.
 */
export function followDecisions(options: FollowOptions): () => void {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let cursor = options.after;
  let attempt = 0;
  let stopped = false;
  let client: Client | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    if (stopped) return;
    let settled = false;
    const current = createClient({
      url,
      connectionParams: { apiKey: options.apiKey },
      lazy: true,
      retryAttempts: 0,
      on: {
        connected: () => {
          attempt = 0;
          options.onStatus({ state: 'live' });
        },
      },
    });
    client = current;
    const fail = (err: unknown) => {
      if (settled || stopped) return;
      settled = true;
      void current.dispose();
      const { final, why } = classify(err);
      if (final) {
        stopped = true;
        options.onStatus({ state: 'stopped', why });
        return;
      }
      attempt += 1;
      // Exponential, with jitter so many dashboards of one tenant do not come back at the same instant.
      const inMs = Math.min(MAX_DELAY_MS, 500 * 2 ** (attempt - 1)) * (0.8 + Math.random() * 0.4);
      options.onStatus({ state: 'reconnecting', attempt, inMs, why });
      timer = setTimeout(connect, inMs);
    };
    current.subscribe<{ decisionCreated: LiveDecisionFragment }>(
      { query: source(liveDecisionsSubscription), variables: { tenantId: options.tenantId, after: cursor } },
      {
        next: (result) => {
          const next = (result.extensions as { cursor?: unknown } | undefined)?.cursor;
          if (typeof next === 'string') cursor = next;
          if (result.data?.decisionCreated) options.onDecision(result.data.decisionCreated);
        },
        error: fail,
        complete: () => fail(new Error('the gateway ended the stream')),
      },
    );
  };

  options.onStatus({ state: 'connecting' });
  connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    void client?.dispose();
  };
}
