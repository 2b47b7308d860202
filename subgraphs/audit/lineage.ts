import type { LineageModel } from './mappers';
import type { Loaders } from './loaders';

/** A decision's lineage: every event its originating request recorded, through the request's batched loader. */
export async function loadLineage(loaders: Loaders, decisionId: string, requestId: string): Promise<LineageModel> {
  return { decisionId, requestId, events: await loaders.eventsByRequestId.load(requestId) };
}
