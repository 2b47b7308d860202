import { keyStatus } from '../api-keys';
import type { ApiKeyResolvers, ApiKeyScope } from '../__generated__/resolvers-types';

export const ApiKey: ApiKeyResolvers = {
  // Only tenants' keys reach the graph (operator keys are listed by the CLI alone).
  tenant: async (key, _args, { loaders }) => (await loaders.tenantById.load(key.tenantId!))!,
  scopes: (key) => key.scopes.map((s) => s.toUpperCase() as ApiKeyScope),
  status: (key) => keyStatus(key),
};
