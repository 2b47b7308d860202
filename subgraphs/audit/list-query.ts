import type { AuditEvent } from '@prisma/client';
import { requireTenantAccess, tenantScope, type Caller } from '../../lib/caller';
import { Conditions, listQuery, sortOrder, type ListQuery } from '../../lib/keyset';
import type { AuditEventFilter } from './__generated__/resolvers-types';

export const NEWEST_FIRST = sortOrder<AuditEvent>({
  name: 'CREATED_AT_DESC',
  column: 'created_at',
  direction: 'DESC',
  kind: 'timestamp',
  value: (e) => e.createdAt,
});

export type AuditEventQuery = ListQuery<AuditEvent>;

export function prepareAuditEventQuery(
  args: { first?: number | null; after?: string | null; filter?: AuditEventFilter | null },
  caller: Caller,
): AuditEventQuery {
  const filter = args.filter ?? {};
  requireTenantAccess(caller, filter.tenantId);
  const where = new Conditions()
    .uuid('tenant_id', tenantScope(caller))
    .uuid('tenant_id', filter.tenantId)
    .equals('request_id', filter.requestId)
    .equals('surface', filter.surface, '::"Surface"')
    .equals('action', filter.action)
    .equals('actor', filter.actor)
    .equals('resource_type', filter.resourceType)
    .equals('resource_id', filter.resourceId)
    .window('created_at', filter.createdAfter, filter.createdBefore);
  return listQuery({ first: args.first, after: args.after, order: NEWEST_FIRST, conditions: where.list, identity: filter });
}
