import type { DecisionConnectionResolvers } from '../__generated__/resolvers-types';

export const DecisionConnection: DecisionConnectionResolvers = {
  totalCount: (connection) => connection.totalCount(),
};
