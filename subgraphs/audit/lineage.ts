import type { LineageModel } from './mappers';
import type { Loaders } from './loaders';

/**
 * A decision's lineage: the events its originating request recorded on the
 * decision's tenant's chain, through batched loaders. Null when the caller
 * cannot see a decision with that id.
 */
export async function loadLineage(loaders: Loaders, decisionId: string): Promise<LineageModel | null> {
  const origin = await loaders.originOfDecision.load(decisionId);
  if (!origin) return null;
  return { decisionId, ...origin, events: await loaders.eventsOfRequest.load(origin) };
}
