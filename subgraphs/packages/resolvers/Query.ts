import type { QueryResolvers } from '../__generated__/resolvers-types';

export const Query: QueryResolvers = {
  package: (_parent, { slug }, { store }) => store.packageBySlug(slug),
  packages: (_parent, { filter }, { store }) => store.list(filter),
  packageVersion: (_parent, { id }, { loaders }) => loaders.versionById.load(id),
  installedFeature: (_parent, { key }, { caller, store }) => (caller.tenantId ? store.installedFeature(caller.tenantId, key) : null),
};
