import { KeyError } from '../api-keys';
import { requireTenantAccess, tenantScope, type Scope } from '../../../lib/caller';
import { badUserInput } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import type { MutationResolvers } from '../__generated__/resolvers-types';

export const Mutation: MutationResolvers = {
  createApiKey: async (_parent, { input }, { keys, caller }) => {
    if (!isUuid(input.tenantId)) throw badUserInput('tenantId must be a tenant id', { field: 'tenantId' });
    requireTenantAccess(caller, input.tenantId);
    try {
      const { record, key } = await keys.create(
        {
          tenant: { id: input.tenantId },
          name: input.name,
          scopes: [...new Set(input.scopes)].map((s) => s.toLowerCase() as Scope),
          environment: input.environment ?? 'SANDBOX',
          expiresAt: input.expiresAt ?? null,
        },
        caller,
      );
      return { apiKey: record, key };
    } catch (error) {
      if (error instanceof KeyError) throw badUserInput(error.message);
      throw error;
    }
  },
  revokeApiKey: (_parent, { id }, { keys, caller }) => {
    if (!isUuid(id)) return null;
    const own = tenantScope(caller);
    return keys.revoke(id, caller, own !== null ? { tenantId: own } : 'any tenant');
  },
};
