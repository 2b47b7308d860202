import type { AuditEvent } from '@prisma/client';
import type { Connection, Page } from '../../lib/connection';

/** A tenant known here only by its key; the tenants subgraph owns the rest. */
export interface TenantRef {
  id: string;
}

/** A decision as the gateway hands it over: its key plus the @requires'd request id. */
export interface DecisionRef {
  id: string;
  requestId?: string;
}

export type AuditEventEdgeModel = Page<AuditEvent>['edges'][number];

export type AuditEventConnectionModel = Connection<AuditEvent>;

export interface LineageModel {
  decisionId: string;
  requestId: string;
  /** Every event of the originating request, oldest first. */
  events: AuditEvent[];
}
