import { Prisma, type AuditEvent, type PrismaClient } from '@prisma/client';
import { chainKeyOf } from '../../lib/audit-log/chain';
import type { CheckpointKeyring } from '../../lib/audit-log/checkpoint';
import { verifyAuditChain, type ChainVerification } from './verify-chain';
import { isUuid } from '../../lib/ids';
import type { CursorCodec } from '../../lib/connection';
import { KeysetTable, type ParentKey } from '../../lib/keyset';
import type { AuditEventQuery } from './list-query';
import type { DecisionOrigin } from './mappers';

const COLUMNS = Prisma.raw(`
  id, tenant_id AS "tenantId", request_id AS "requestId", correlation_id AS "correlationId", actor, scope, surface::text AS surface, action,
  operation_name AS "operationName", resource_type AS "resourceType", resource_id AS "resourceId",
  status, body_sha256 AS "bodySha256", latency_ms AS "latencyMs", created_at AS "createdAt"`);

// Request ids are the server's `req_…` ids (and, in events recorded before
// the server made its own, whatever clients sent), not UUIDs.
const OF_REQUEST: ParentKey = { column: 'request_id', type: 'text' };

/** Data access for the audit domain: reads only; the log is append-only. */
export class AuditStore {
  private readonly table: KeysetTable<AuditEvent>;

  constructor(
    private readonly prisma: PrismaClient,
    /** Mints and checks the cursors of this domain's connections. */
    readonly cursors: CursorCodec,
    /** The public keys chains are held to; empty makes every chain with events UNVERIFIABLE. */
    private readonly checkpointKeys: CheckpointKeyring,
  ) {
    this.table = new KeysetTable(prisma, 'audit_events', COLUMNS);
  }

  /** Recomputes a tenant's chain (the platform chain for null) and holds it to its checkpoints. */
  verifyChain(tenantId: string | null): Promise<ChainVerification> {
    return verifyAuditChain(this.prisma, chainKeyOf(tenantId), this.checkpointKeys);
  }

  page(query: AuditEventQuery): Promise<AuditEvent[]> {
    return this.table.page(query);
  }

  count(query: AuditEventQuery): Promise<number> {
    return this.table.count(query);
  }

  /** Whether events lie behind the page's starting cursor (see ListQuery.behind); `requestId` for one lineage's connection. */
  behind(query: AuditEventQuery, requestId?: string): Promise<boolean> {
    return this.table.behind(query, requestId === undefined ? undefined : { key: OF_REQUEST, id: requestId });
  }

  /** The same page of each request's events, in one statement. */
  pagesForRequests(requestIds: readonly string[], query: AuditEventQuery): Promise<Map<string, AuditEvent[]>> {
    return this.table.pagesFor(OF_REQUEST, requestIds, query);
  }

  countsForRequests(requestIds: readonly string[], query: AuditEventQuery): Promise<Map<string, number>> {
    return this.table.countsFor(OF_REQUEST, requestIds, query);
  }

  byIds(ids: readonly string[], scope: string | null): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: { id: { in: ids.filter(isUuid) }, ...(scope !== null && { tenantId: scope }) },
    });
  }

  /** Events of these requests, each on its own tenant's chain only, oldest first. */
  byRequests(origins: readonly DecisionOrigin[], scope: string | null): Promise<AuditEvent[]> {
    return this.prisma.auditEvent.findMany({
      where: {
        OR: origins.map((o) => ({ requestId: o.requestId, tenantId: o.tenantId })),
        ...(scope !== null && { tenantId: scope }),
      },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** The request and tenant that created each decision, from its `decision.created` event. */
  async originsOfDecisions(decisionIds: readonly string[], scope: string | null): Promise<Map<string, DecisionOrigin>> {
    const rows = await this.prisma.auditEvent.findMany({
      where: {
        resourceType: 'decision',
        resourceId: { in: decisionIds.filter(isUuid) },
        action: 'decision.created',
        ...(scope !== null && { tenantId: scope }),
      },
      select: { resourceId: true, requestId: true, tenantId: true },
    });
    return new Map(rows.map((r) => [r.resourceId!, { requestId: r.requestId, tenantId: r.tenantId! }]));
  }
}
