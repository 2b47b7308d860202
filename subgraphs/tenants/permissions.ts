import type { FieldScopes, RootPermissions } from '../../lib/subgraph/permissions';
import type { Mutation, Query } from './__generated__/resolvers-types';

/** The scope each entry point of the tenants subgraph needs. */
export const permissions: RootPermissions & { Query: FieldScopes<Query>; Mutation: FieldScopes<Mutation> } = {
  Query: { tenant: 'read', tenants: 'read', apiKeys: 'admin' },
  Mutation: { createApiKey: 'admin', revokeApiKey: 'admin' },
};
