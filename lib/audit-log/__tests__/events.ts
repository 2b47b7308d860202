import type { SqlClient } from '../../sql';
import { CheckpointKeyring } from '../checkpoint';
import { verifyAuditChain } from '../../../subgraphs/audit/verify-chain';
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

/**
 * The links of a chain alone, as the tests of appending check them: no key
 * is configured, so an intact chain reports UNVERIFIABLE, which here counts
 * as intact links (checkpoints have tests of their own).
 */
export async function verifyLinks(db: SqlClient, chainKey: string, options: { pageSize?: number } = {}) {
  const result = await verifyAuditChain(db, chainKey, new CheckpointKeyring([]), options);
  return {
    ok: result.firstBrokenLink === null && (result.failure === null || result.failure === 'unverifiable'),
    checked: result.checked,
    firstBrokenLink: result.firstBrokenLink,
  };
}
