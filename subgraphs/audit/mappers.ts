import type { AuditEvent } from '@prisma/client';
import type { Connection, Page } from '../../lib/connection';

/** A tenant known here only by its key; the tenants subgraph owns the rest. */
export interface TenantRef {
  id: string;
}

/** A decision as the gateway hands it over: its key. */
export interface DecisionRef {
  id: string;
}

export type AuditEventEdgeModel = Page<AuditEvent>['edges'][number];

export type AuditEventConnectionModel = Connection<AuditEvent>;

/** Where a decision came from, as its `decision.created` event records it. */
export interface DecisionOrigin {
  requestId: string;
  /** The decision's tenant: its lineage is read from this tenant's chain only. */
  tenantId: string;
}

export interface LineageModel extends DecisionOrigin {
  decisionId: string;
  /** Every event of the originating request, oldest first. */
  events: AuditEvent[];
}
