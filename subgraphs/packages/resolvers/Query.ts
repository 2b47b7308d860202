import type { QueryResolvers } from '../__generated__/resolvers-types';
import { draftVisibilityOf } from '../store';

export const Query: QueryResolvers = {
  package: (_parent, { slug }, { store, caller }) => store.packageBySlug(slug, draftVisibilityOf(caller)),
  packages: (_parent, { filter }, { store, caller }) => store.list(filter, draftVisibilityOf(caller)),
  packageVersion: (_parent, { id }, { loaders }) => loaders.versionById.load(id),
  installedFeature: (_parent, { key }, { caller, store }) => (caller.tenantId ? store.installedFeature(caller.tenantId, key, draftVisibilityOf(caller)) : null),
};
