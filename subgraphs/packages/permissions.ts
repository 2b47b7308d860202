import type { FieldScopes, RootPermissions } from '../../lib/subgraph/permissions';
import type { Query } from './__generated__/resolvers-types';

/** The scope each entry point of the packages subgraph needs. */
export const permissions: RootPermissions & { Query: FieldScopes<Query> } = {
  Query: { package: 'read', packages: 'read', packageVersion: 'read', installedFeature: 'read' },
};
