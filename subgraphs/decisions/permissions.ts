import type { FieldScopes, RootPermissions } from '../../lib/subgraph/permissions';
import type { Mutation, Query } from './__generated__/resolvers-types';

/** The scope each entry point of the decisions subgraph needs. */
export const permissions: RootPermissions & { Query: FieldScopes<Query>; Mutation: FieldScopes<Mutation> } = {
  Query: { decision: 'read', decisions: 'read', decisionStats: 'read', featureHealth: 'read' },
  Mutation: { createDecision: 'write' },
};
