import { Prisma } from '@prisma/client';
import { runSql, type TransactionSqlClient } from '../sql';

/** The topics of the live streams' outbox. */
export type StreamTopic = 'decision.created' | 'audit.appended';

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
 * exists exactly when its change committed. This module is the only writer
 * of stream_events: here, and in the audit trail's INSERT (below).
 */
export async function appendStreamEvents(tx: TransactionSqlClient, events: readonly StreamEventInput[]): Promise<void> {
  if (!events.length) return;
  const rows = events.map((e) => Prisma.sql`(${e.topic}, ${e.tenantId}::uuid, ${e.entityId}::uuid, ${JSON.stringify(e.attributes)}::jsonb)`);
  await runSql(tx, Prisma.sql`INSERT INTO stream_events (topic, tenant_id, entity_id, attributes) VALUES ${Prisma.join(rows)}`);
}

/**
 * The outbox rows of audit events just inserted, as the tail of the audit
 * trail's own INSERT statement: `source` names its `RETURNING` rows (id,
 * tenant_id, request_id, correlation_id, actor, surface, action,
 * resource_type, resource_id). One statement, so an audit event streams
 * exactly when it is in the trail, at no extra round trip.
 */
export function auditStreamEventsFrom(source: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO stream_events (topic, tenant_id, entity_id, attributes)
    SELECT ${'audit.appended' satisfies StreamTopic}, tenant_id, id,
           jsonb_build_object('requestId', request_id, 'correlationId', correlation_id, 'actor', actor, 'surface', surface,
                              'action', action, 'resourceType', resource_type, 'resourceId', resource_id)
      FROM ${source}`;
}
