import type { TenantResolvers } from '../__generated__/resolvers-types';

export const Tenant: TenantResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.tenantById.load(id),
  limits: (tenant) => ({
    monthlyDecisionQuota: tenant.monthlyDecisionQuota,
    rateLimitPerMinute: tenant.rateLimitPerMinute,
  }),
};
