import { requirePlatformOperator, requireTenantAccess } from '../../../lib/caller';
import { badUserInput } from '../../../lib/errors';
import { isUuid } from '../../../lib/ids';
import { keysetConnection } from '../../../lib/keyset';
import type { AuditChainBreakReason, AuditChainFailure, QueryResolvers } from '../__generated__/resolvers-types';
import type { CheckpointReport } from '../verify-chain';
import { loadLineage } from '../lineage';
import { prepareAuditEventQuery } from '../list-query';

export const Query: QueryResolvers = {
  auditEvents: async (_parent, args, { store, caller }) => {
    const query = prepareAuditEventQuery(args, caller, store.cursors);
    const rows = await store.page(query);
    return keysetConnection(rows, query, { totalCount: () => store.count(query), behind: () => store.behind(query) });
  },
  // Not a UUID names no event: null, as for an id nobody holds, without a query.
  auditEvent: (_parent, { id }, { loaders }) => (isUuid(id) ? loaders.eventById.load(id) : null),
  auditStats: (_parent, args, { stats, caller }) => stats.run(args, caller),
  lineage: (_parent, { decisionId }, { loaders }) => loadLineage(loaders, decisionId),
  verifyAuditChain: async (_parent, { tenantId }, { store, caller }) => {
    // The platform chain (calls that never named a tenant) belongs to no tenant admin.
    if (tenantId == null) requirePlatformOperator(caller, 'verifying the platform chain');
    else if (!isUuid(tenantId)) throw badUserInput('tenantId must be a tenant id');
    else requireTenantAccess(caller, tenantId);
    const result = await store.verifyChain(tenantId ?? null);
    const broken = result.firstBrokenLink;
    return {
      tenantId: tenantId ?? null,
      ok: result.ok,
      failureReason: result.failure && (result.failure.toUpperCase() as AuditChainFailure),
      checkedEvents: result.checked,
      firstBrokenLink: broken && { sequence: broken.seq, eventId: broken.eventId, reason: broken.reason.toUpperCase() as AuditChainBreakReason },
      latestCheckpoint: checkpoint(result.latestCheckpoint),
      failedCheckpoint: checkpoint(result.failedCheckpoint),
      eventsAfterCheckpoint: result.eventsAfterCheckpoint,
    };
  },
};

function checkpoint(report: CheckpointReport | null) {
  return report && { sequence: report.seq, headHash: report.headHash, signedAt: report.signedAt, keyId: report.keyId, signatureVerified: report.signatureVerified };
}
