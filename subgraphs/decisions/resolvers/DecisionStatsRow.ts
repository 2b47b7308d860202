import type { DecisionStatsRowResolvers } from '../__generated__/resolvers-types';

/** The grouped tenant and package version are entity references, resolved by their own subgraphs. */
export const DecisionStatsRow: DecisionStatsRowResolvers = {
  tenant: (row) => (row.tenantId === null ? null : { id: row.tenantId }),
  packageVersion: (row) => (row.packageVersionId === null ? null : { id: row.packageVersionId }),
};
