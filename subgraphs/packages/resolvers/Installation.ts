import type { InstallationResolvers } from '../__generated__/resolvers-types';

export const Installation: InstallationResolvers = {
  tenant: (installation) => ({ id: installation.tenantId }),
  packageVersion: async (installation, _args, { loaders }) => (await loaders.versionById.load(installation.packageVersionId))!,
};
