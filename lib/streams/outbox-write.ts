import { Prisma } from '@prisma/client';
import { runSql, type TransactionSqlClient } from '../sql';

/** The topics of the live streams' outbox. */
export type StreamTopic = 'decision.created';

/** One event for the live streams, written with the change it announces. */
export interface StreamEventInput {
  topic: StreamTopic;
  tenantId: string;
  /** The entity the event names; subscribers resolve the rest of it through the graph. */
  entityId: string;
  /** What subscription filters match on (the gateway filters on these without a read). */
  attributes: Record<string, string | null>;
}

/**
 * Appends events to the outbox inside the caller's transaction, so an event
 * exists exactly when its change committed. The only writer of stream_events.
 */
export async function appendStreamEvents(tx: TransactionSqlClient, events: readonly StreamEventInput[]): Promise<void> {
  if (!events.length) return;
  const rows = events.map((e) => Prisma.sql`(${e.topic}, ${e.tenantId}::uuid, ${e.entityId}::uuid, ${JSON.stringify(e.attributes)}::jsonb)`);
  await runSql(tx, Prisma.sql`INSERT INTO stream_events (topic, tenant_id, entity_id, attributes) VALUES ${Prisma.join(rows)}`);
}
