import type { InstallationConnectionResolvers } from '../__generated__/resolvers-types';

export const InstallationConnection: InstallationConnectionResolvers = {
  totalCount: (connection) => connection.totalCount(),
};
