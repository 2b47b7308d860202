import type { TenantResolvers } from '../__generated__/resolvers-types';

export const Tenant: TenantResolvers = {
  __resolveReference: ({ id }) => ({ id }),
  installations: ({ id }, _args, { loaders }) => loaders.installationsByTenantId.load(id),
};
