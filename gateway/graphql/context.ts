import type { Caller } from '../../lib/caller';

/** Per-request context of the gateway: the caller, verified once, forwarded to every subgraph fetch. */
export interface GatewayContext {
  requestId: string;
  caller: Caller;
}
