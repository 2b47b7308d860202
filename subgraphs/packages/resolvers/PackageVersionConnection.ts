import type { PackageVersionConnectionResolvers } from '../__generated__/resolvers-types';

export const PackageVersionConnection: PackageVersionConnectionResolvers = {
  totalCount: (connection) => connection.totalCount(),
};
