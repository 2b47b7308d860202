import type { AuditEvent } from '@prisma/client';
import { requireTenantAccess, tenantScope, type Caller } from '../../lib/caller';
import type { CursorCodec, SliceArgs } from '../../lib/connection';
import { Conditions, listQuery, sortOrder, type ListQuery } from '../../lib/keyset';
import type { DecisionOrigin } from './mappers';
import type { AuditEventFilter } from './__generated__/resolvers-types';

export const NEWEST_FIRST = sortOrder<AuditEvent>({
  name: 'CREATED_AT_DESC',
  column: 'created_at',
  direction: 'DESC',
  kind: 'timestamp',
  value: (e) => e.createdAt,
});

/** The order of a request's events, as Lineage.events lists them. */
export const OLDEST_FIRST = sortOrder<AuditEvent>({
  name: 'CREATED_AT_ASC',
  column: 'created_at',
  direction: 'ASC',
  kind: 'timestamp',
  value: (e) => e.createdAt,
});

export type AuditEventQuery = ListQuery<AuditEvent>;

export function prepareAuditEventQuery(
  args: SliceArgs & { filter?: AuditEventFilter | null },
  caller: Caller,
  cursors: CursorCodec,
): AuditEventQuery {
  const filter = args.filter ?? {};
  requireTenantAccess(caller, filter.tenantId);
  const where = new Conditions()
    .uuid('tenant_id', tenantScope(caller))
    .uuid('tenant_id', filter.tenantId)
    .equals('request_id', filter.requestId)
    .equals('correlation_id', filter.correlationId)
    .equals('surface', filter.surface, '::"Surface"')
    .equals('action', filter.action)
    .equals('actor', filter.actor)
    .equals('resource_type', filter.resourceType)
    .equals('resource_id', filter.resourceId)
    .window('created_at', filter.createdAfter, filter.createdBefore);
  return listQuery({
    slice: args,
    order: NEWEST_FIRST,
    conditions: where.list,
    binding: { field: 'Query.auditEvents', filter, scope: tenantScope(caller) },
    cursors,
  });
}

/**
 * Lineage.eventsConnection: the events of one request on the decision's
 * tenant's chain, oldest first; the request is the parent, so it is not a
 * condition here.
 */
export function prepareLineageEventQuery(args: SliceArgs, caller: Caller, cursors: CursorCodec, origin: DecisionOrigin): AuditEventQuery {
  return listQuery({
    slice: args,
    order: OLDEST_FIRST,
    conditions: new Conditions().uuid('tenant_id', tenantScope(caller)).uuid('tenant_id', origin.tenantId).list,
    // The decision's tenant is in the binding, so lineages of different tenants never share a batched page query.
    binding: { field: 'Lineage.eventsConnection', parent: origin.requestId, filter: { tenantId: origin.tenantId }, scope: tenantScope(caller) },
    cursors,
  });
}
