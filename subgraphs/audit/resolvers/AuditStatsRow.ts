import type { AuditStatsRowResolvers } from '../__generated__/resolvers-types';

/** The grouped tenant is an entity reference, resolved by the tenants subgraph. */
export const AuditStatsRow: AuditStatsRowResolvers = {
  tenant: (row) => (row.tenantId === null ? null : { id: row.tenantId }),
};
