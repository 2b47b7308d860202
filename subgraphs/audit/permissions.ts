import type { FieldScopes, RootPermissions } from '../../lib/subgraph/permissions';
import type { Query } from './__generated__/resolvers-types';

/** The scope each entry point of the audit subgraph needs. */
export const permissions: RootPermissions & { Query: FieldScopes<Query> } = {
  Query: { auditEvents: 'read', auditEvent: 'read', lineage: 'read', verifyAuditChain: 'read', auditStats: 'read' },
};
