import { Prisma } from '@prisma/client';
import { requireTenantAccess, tenantScope, type Caller } from '../../../lib/caller';
import { Conditions } from '../../../lib/keyset';
import type { Dimension, GroupedReportSpec } from '../../../lib/reporting/grouped-report';
import { LATENCY_MEASURES, type LatencyMeasures } from '../../../lib/reporting/latency';
import type { AuditDimension, AuditStatsFilter } from '../__generated__/resolvers-types';

// A call failed unless its status is a bare 2xx: '200 BAD_USER_INPUT' is a GraphQL answer that carried an error.
const FAILED = Prisma.raw(`status !~ '^2[0-9][0-9]$'`);

/** The measures of AuditAggregate, as one json object per group. */
const MEASURES = Prisma.sql`json_build_object(
  'requests', count(*),
  'errors', count(*) FILTER (WHERE ${FAILED}),
  ${LATENCY_MEASURES})`;

/** What the SQL answers per group. */
export interface AuditMeasures extends LatencyMeasures {
  requests: number;
  errors: number;
}

export const DIMENSION_KEYS: Record<AuditDimension, string> = {
  SURFACE: 'surface',
  STATUS: 'status',
  OPERATION: 'operation',
  ACTOR: 'actor',
  TENANT: 'tenantId',
};

/**
 * The call records (action `request`) a caller's report reads: its own
 * tenant's for a tenant credential (a filter naming another tenant is
 * FORBIDDEN), every one for the operator.
 */
export function auditStatsSpec(caller: Caller, filter: AuditStatsFilter | null | undefined, groupBy: readonly AuditDimension[] | null | undefined): GroupedReportSpec {
  const f = filter ?? {};
  requireTenantAccess(caller, f.tenantId);
  const where = new Conditions()
    .equals('action', 'request')
    .uuid('tenant_id', tenantScope(caller))
    .uuid('tenant_id', f.tenantId)
    .equals('surface', f.surface, '::"Surface"')
    .equals('actor', f.actor)
    .equals('operation_name', f.operation);
  const dimensions: Record<AuditDimension, Dimension> = {
    SURFACE: { key: DIMENSION_KEYS.SURFACE, sql: Prisma.sql`surface::text` },
    STATUS: { key: DIMENSION_KEYS.STATUS, sql: Prisma.sql`status` },
    OPERATION: { key: DIMENSION_KEYS.OPERATION, sql: Prisma.sql`operation_name` },
    ACTOR: { key: DIMENSION_KEYS.ACTOR, sql: Prisma.sql`actor` },
    TENANT: { key: DIMENSION_KEYS.TENANT, sql: Prisma.sql`tenant_id::text` },
  };
  return {
    table: 'audit_events',
    timeColumn: 'created_at',
    conditions: where.list,
    dimensions: [...new Set(groupBy ?? [])].map((d) => dimensions[d]),
    measures: MEASURES,
    measureColumns: ['status', 'latency_ms'],
  };
}
