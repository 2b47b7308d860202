import type { Decision } from '@prisma/client';
import { tenantScope, type Caller } from '../../lib/caller';
import type { CursorCodec, SliceArgs } from '../../lib/connection';
import { listQuery, sortOrder, type ListQuery, type SortOrder } from '../../lib/keyset';
import type { DecisionFilter, DecisionOrder } from './__generated__/resolvers-types';
import { decisionFilterConditions } from './decision-filter';

export const DECISION_ORDERS: Record<DecisionOrder, SortOrder<Decision>> = {
  CREATED_AT_DESC: sortOrder({ name: 'CREATED_AT_DESC', column: 'created_at', direction: 'DESC', kind: 'timestamp', value: (d) => d.createdAt }),
  CREATED_AT_ASC: sortOrder({ name: 'CREATED_AT_ASC', column: 'created_at', direction: 'ASC', kind: 'timestamp', value: (d) => d.createdAt }),
  CONFIDENCE_ASC: sortOrder({ name: 'CONFIDENCE_ASC', column: 'confidence', direction: 'ASC', kind: 'number', value: (d) => d.confidence }),
  LATENCY_MS_DESC: sortOrder({ name: 'LATENCY_MS_DESC', column: 'latency_ms', direction: 'DESC', kind: 'number', value: (d) => d.latencyMs }),
};

export type DecisionQuery = ListQuery<Decision>;

export interface DecisionQueryArgs extends SliceArgs {
  filter?: DecisionFilter | null;
  orderBy?: DecisionOrder | null;
}

/** Which decisions connection is asked: the root list, or one tenant's (which fixes the tenant itself, so the filter's own tenantId is ignored). */
export type DecisionConnectionOf = { field: 'Query.decisions' } | { field: 'Tenant.decisions'; tenantId: string };

export function prepareDecisionQuery(args: DecisionQueryArgs, caller: Caller, cursors: CursorCodec, of: DecisionConnectionOf): DecisionQuery {
  const ofTenant = of.field === 'Tenant.decisions';
  const filter = { ...args.filter, ...(ofTenant && { tenantId: null }) };
  const where = decisionFilterConditions(filter, caller).window('created_at', filter.createdAfter, filter.createdBefore);
  return listQuery({
    slice: args,
    order: DECISION_ORDERS[args.orderBy ?? 'CREATED_AT_DESC'],
    conditions: where.list,
    binding: { field: of.field, parent: ofTenant ? of.tenantId : null, filter, scope: tenantScope(caller) },
    cursors,
  });
}
