import type { AuditEventConnectionResolvers } from '../__generated__/resolvers-types';

export const AuditEventConnection: AuditEventConnectionResolvers = {
  totalCount: (connection) => connection.totalCount(),
};
