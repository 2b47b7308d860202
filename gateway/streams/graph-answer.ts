import type { Caller } from '../../lib/caller';

/** What a query of the graph answers: errors already formatted, as HTTP would send them. */
export interface GraphAnswer {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; extensions?: Record<string, unknown> }>;
}

/** Runs a query of the graph for a caller: the gateway's own pipeline, as for HTTP. */
export type GraphExecutor = (query: string, variables: Record<string, unknown>, caller: Caller) => Promise<GraphAnswer>;
