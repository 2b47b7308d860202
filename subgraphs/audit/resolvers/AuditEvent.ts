import type { AuditEventResolvers, Surface } from '../__generated__/resolvers-types';

export const AuditEvent: AuditEventResolvers = {
  __resolveReference: ({ id }, { loaders }) => loaders.eventById.load(id),
  surface: (event) => event.surface as Surface,
  resource: (event) => (event.resourceType && event.resourceId ? { type: event.resourceType, id: event.resourceId } : null),
  tenant: (event) => (event.tenantId ? { id: event.tenantId } : null),
};
