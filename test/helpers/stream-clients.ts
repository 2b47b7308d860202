import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient, type Client } from 'graphql-ws/client';
import WebSocket from 'ws';
import type { ScratchTenant } from './scratch-tenant';
import { graphql, sql } from './system';

/** The real clients a dashboard would use, against a gateway on loopback: graphql-ws and graphql-sse. */

export interface Received {
  events: Array<{ data: any; errors?: any[]; extensions?: any }>;
  /** Settles with the error the subscription ended with. */
  error: Promise<unknown>;
  /** Settles when the server completed the subscription. */
  completed: Promise<void>;
  stop: () => void;
}

type Subscribable = Pick<Client, 'subscribe'> | Pick<SseClient, 'subscribe'>;

export function subscribe(client: Subscribable, query: string, variables: Record<string, unknown> = {}): Received {
  const events: Received['events'] = [];
  let fail!: (e: unknown) => void;
  let complete!: () => void;
  const error = new Promise<unknown>((resolve) => (fail = resolve));
  const completed = new Promise<void>((resolve) => (complete = resolve));
  const stop = client.subscribe({ query, variables }, { next: (e) => void events.push(e as any), error: fail, complete });
  return { events, error, completed, stop };
}

/** A graphql-ws client that connects at once and never retries, with promises of its acknowledged start and of how its socket closed. */
export function connectWs(url: string, connectionParams: Record<string, unknown>): { client: Client; connected: Promise<void>; closed: Promise<{ code: number; reason: string }> } {
  let onClosed!: (event: { code: number; reason: string }) => void;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  let onConnected!: () => void;
  const connected = new Promise<void>((resolve) => (onConnected = resolve));
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams,
    retryAttempts: 0,
    lazy: false,
    // Errors reach the test through `closed`; the client's own console report would only be noise.
    onNonLazyError: () => undefined,
    on: { connected: () => onConnected(), closed: (event) => onClosed(event as { code: number; reason: string }) },
  });
  return { client, connected, closed };
}

/** A graphql-sse client in distinct-connections mode (one HTTP request per subscription) that never retries. */
export function connectSse(gatewayUrl: string, headers: Record<string, string>): SseClient {
  return createSseClient({ url: gatewayUrl.replace(/\/graphql$/, '/graphql/stream'), headers, singleConnection: false, retryAttempts: 0 });
}

export async function until(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Counts a tenant's stream records of one kind in the audit trail (tenant
 * null: the platform's own, which name none), and waits for more of them.
 * The gateway joins a subscription to the stream right after its start
 * record is durable, and frees its place before its end record, so once
 * `more(n)` resolves a decision made is delivered to all n started (or the
 * n ended no longer count against the limits); a fixed pause raced with a
 * loaded machine.
 */
export async function subscriptionRecords(tenantId: string | null, action: 'subscription.started' | 'subscription.ended' = 'subscription.started'): Promise<{ more: (count: number, ms?: number) => Promise<void> }> {
  const count = async () =>
    Number((await sql<{ n: string }>('SELECT count(*) AS n FROM audit_events WHERE tenant_id IS NOT DISTINCT FROM $1::uuid AND action = $2', [tenantId, action]))[0]!.n);
  const base = await count();
  return {
    more: async (n, ms = 5_000) => {
      const deadline = Date.now() + ms;
      while ((await count()) < base + n) {
        if (Date.now() > deadline) throw new Error(`fewer than ${n} more ${action} records within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
  };
}

const CREATE = 'mutation($input: CreateDecisionInput!) { createDecision(input: $input) { id streamCursor } }';

/** One decision of a tenant with kyc.adaptive installed, made over HTTP as a producer would. */
export async function decide(gatewayUrl: string, tenant: ScratchTenant, reference: string): Promise<{ id: string; streamCursor: string }> {
  const input = {
    feature: 'kyc.adaptive',
    subject: { type: 'person', reference },
    attributes: { riskScore: 20, country: 'FR', nameMatchScore: 0.8, sanctionsMatch: false, deviceAgeDays: 300 },
  };
  const answer = await graphql(gatewayUrl, CREATE, { input }, { 'x-api-key': tenant.keys['read,write']! });
  if (answer.errors) throw new Error(`createDecision failed: ${JSON.stringify(answer.errors)}`);
  return answer.data.createDecision;
}
