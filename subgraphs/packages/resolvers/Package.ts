import type { PackageResolvers } from '../__generated__/resolvers-types';

export const Package: PackageResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.packageById.load(id),
  versions: (pkg, _args, { loaders }) => loaders.versionsByPackageId.load(pkg.id),
  latestVersion: async (pkg, _args, { loaders }) => (await loaders.versionsByPackageId.load(pkg.id))[0] ?? null,
};
