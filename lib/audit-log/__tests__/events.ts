import { sha256Hex } from '../../hash';
import type { AuditEventInput } from '../chain';

let counter = 0;

/** A distinct, well-formed request event per call, for the audit tests. */
export function auditEvent(tenantId: string | null, overrides: Partial<AuditEventInput> = {}): AuditEventInput {
  counter++;
  return {
    tenantId,
    requestId: `req_${counter}`,
    actor: 'mai_test_1234',
    scope: 'read',
    surface: 'GRAPHQL',
    action: 'request',
    operationName: 'Dashboard',
    resourceType: null,
    resourceId: null,
    status: '200',
    bodySha256: sha256Hex(`document ${counter}`),
    variablesSha256: sha256Hex('{}'),
    latencyMs: 12,
    createdAt: new Date(Date.UTC(2026, 10, 24, 12, 0, 0, counter)),
    ...overrides,
  };
}
