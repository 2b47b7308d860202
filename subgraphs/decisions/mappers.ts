import type { Decision } from '@prisma/client';
import type { Connection, Page } from '../../lib/connection';

/** Entities owned elsewhere, known here only by their key. */
export interface TenantRef {
  id: string;
  /** Sent by the gateway only where a field `@requires` it (Tenant.usage). */
  limits?: { monthlyDecisionQuota?: number | null };
}
export interface PackageVersionRef {
  id: string;
}

export type DecisionEdgeModel = Page<Decision>['edges'][number];

export type DecisionConnectionModel = Connection<Decision>;
