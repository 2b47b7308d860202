import type { FieldScopes, RootPermissions } from '../../lib/permissions';
import type { Query } from './__generated__/resolvers-types';

/** The scope each entry point of the tenants subgraph needs. */
export const permissions: RootPermissions & { Query: FieldScopes<Query> } = {
  Query: { tenant: 'read', tenants: 'read' },
};
