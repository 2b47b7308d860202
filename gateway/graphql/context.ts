import type { CallFactsCollector } from '../../lib/call-facts';
import type { Caller } from '../../lib/caller';

/** What the gateway learns about one HTTP operation while Apollo runs it. */
export interface RequestTracking {
  /** Set by the audit plugin once it has tried to record the call, so the route records only what never reached it. */
  auditAttempted: boolean;
  /** Bytes of subgraph answers so far, against the response bound. */
  subgraphBytes: number;
}

/** Per-request context of the gateway: the caller, verified once, forwarded to every subgraph fetch. */
export interface GatewayContext {
  requestId: string;
  /** The client's own id for the call, recorded beside the request id. */
  correlationId: string | null;
  caller: Caller;
  /** What the subgraphs reported about the call (the scope it needed, the tenants an operator read), for its audit record. */
  facts: CallFactsCollector;
  /** Absent for the REST facade's in-process operations, which the REST router records itself. */
  tracking?: RequestTracking;
}
