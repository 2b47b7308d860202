import { keyStatus } from '../api-keys';
import type { ApiKeyResolvers, ApiKeyScope } from '../__generated__/resolvers-types';

export const ApiKey: ApiKeyResolvers = {
  tenant: async (key, _args, { loaders }) => (await loaders.tenantById.load(key.tenantId))!,
  scopes: (key) => key.scopes.map((s) => s.toUpperCase() as ApiKeyScope),
  status: (key) => keyStatus(key),
};
