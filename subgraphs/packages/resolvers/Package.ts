import { keysetConnection } from '../../../lib/keyset';
import type { PackageResolvers } from '../__generated__/resolvers-types';
import { prepareVersionQuery } from '../list-query';

export const Package: PackageResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.packageById.load(id),
  versions: (pkg, _args, { loaders }) => loaders.versionsByPackageId.load(pkg.id),
  latestVersion: async (pkg, _args, { loaders }) => (await loaders.versionsByPackageId.load(pkg.id))[0] ?? null,
  versionsConnection: async (pkg, args, { loaders, store, caller }) => {
    const query = prepareVersionQuery(args, caller, store.cursors, pkg.id);
    const rows = await loaders.versionPage(query).load(pkg.id);
    return keysetConnection(rows, query, {
      totalCount: () => loaders.versionCount(query).load(pkg.id),
      // A cursor is bound to one package's connection, so only that package's page can ask.
      behind: () => store.versionsBehind(query, pkg.id),
    });
  },
};
