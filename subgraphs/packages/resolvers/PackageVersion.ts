import type { PackageVersionResolvers } from '../__generated__/resolvers-types';

export const PackageVersion: PackageVersionResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.versionById.load(id),
  // A version cannot exist without its package (foreign key), so the load is never null.
  package: async (version, _args, { loaders }) => (await loaders.packageById.load(version.packageId))!,
  features: (version, _args, { loaders }) => loaders.featuresByVersionId.load(version.id),
};
