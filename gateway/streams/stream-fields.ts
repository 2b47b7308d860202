import type { Scope } from '../../lib/vocabulary';
import type { StreamTopic } from '../../lib/streams/outbox-write';

/** One field of the Subscription root, and how its events are found and resolved. */
export interface StreamField {
  /** The outbox topic its events come from. */
  topic: StreamTopic;
  /** The Query field that reads one entity by `id`: each event is resolved as that query, with the subscriber's selection. */
  entityField: string;
  /** The scope a caller needs to subscribe. */
  scope: Scope;
  /** The filter's fields matched against the outbox row's attributes (a list argument matches any of its values). */
  attributes: readonly string[];
}

/**
 * The stream fields the gateway serves. Filter fields neither listed here
 * nor `tenantId` are refused with BAD_USER_INPUT (createdAfter and
 * createdBefore: a stream has no end).
 */
export const STREAM_FIELDS: Readonly<Record<string, StreamField>> = {
  decisionCreated: {
    topic: 'decision.created',
    entityField: 'decision',
    scope: 'read',
    attributes: ['feature', 'outcome', 'packageVersionId', 'requestId', 'subjectType', 'subjectReference'],
  },
  // The audit trail is for a tenant's administrators and the platform operator.
  auditEventAppended: {
    topic: 'audit.appended',
    entityField: 'auditEvent',
    scope: 'admin',
    attributes: ['requestId', 'correlationId', 'surface', 'action', 'actor', 'resourceType', 'resourceId'],
  },
};
