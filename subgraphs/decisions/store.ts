import { Prisma, type Decision, type PrismaClient } from '@prisma/client';
import { encodeStreamCursor } from '../../lib/streams/stream-position';
import type { CursorCodec } from '../../lib/connection';
import { isUuid } from '../../lib/ids';
import { KeysetTable, type ParentKey } from '../../lib/keyset';
import type { DecisionQuery } from './list-query';

// Aliased to the Prisma model's field names, so resolvers see one Decision
// type whichever path loaded it.
const COLUMNS = Prisma.raw(`
  id, tenant_id AS "tenantId", feature_key AS "featureKey", package_version_id AS "packageVersionId",
  subject_type AS "subjectType", subject_reference AS "subjectReference", outcome::text AS outcome,
  confidence, reasons, latency_ms AS "latencyMs", request_id AS "requestId",
  idempotency_key AS "idempotencyKey", input_hash AS "inputHash", policy_hash AS "policyHash",
  created_at AS "createdAt"`);

const OF_TENANT: ParentKey = { column: 'tenant_id', type: 'uuid' };

/** Data access for the decisions domain. */
export class DecisionStore {
  private readonly table: KeysetTable<Decision>;

  constructor(
    private readonly prisma: PrismaClient,
    /** Mints and checks the cursors of this domain's connections. */
    readonly cursors: CursorCodec,
  ) {
    this.table = new KeysetTable(prisma, 'decisions', COLUMNS);
  }

  async byIds(ids: readonly string[], scope: string | null): Promise<Decision[]> {
    const wanted = ids.filter(isUuid);
    if (wanted.length === 0) return [];
    return this.prisma.decision.findMany({
      where: { id: { in: wanted }, ...(scope !== null && { tenantId: scope }) },
    });
  }

  /**
   * The stream cursors of decisions (their place in the outbox), by id; a
   * decision absent from the outbox (seeded) has none. Only called for
   * decisions the caller already read, so it needs no tenant scope.
   */
  async streamCursors(ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.prisma.$queryRaw<Array<{ entity_id: string; commit: string; seq: string }>>(
      Prisma.sql`SELECT e.entity_id::text, c.commit_seq::text AS commit, e.seq::text
                   FROM stream_events e JOIN stream_commits c ON c.tx_id = e.tx_id
                  WHERE e.topic = 'decision.created' AND e.entity_id = ANY(${ids.filter(isUuid)}::uuid[])`,
    );
    return new Map(rows.map((r) => [r.entity_id, encodeStreamCursor({ commit: BigInt(r.commit), seq: BigInt(r.seq) })]));
  }

  page(query: DecisionQuery): Promise<Decision[]> {
    return this.table.page(query);
  }

  pagesForTenants(tenantIds: readonly string[], query: DecisionQuery): Promise<Map<string, Decision[]>> {
    return this.table.pagesFor(OF_TENANT, tenantIds, query);
  }

  count(query: DecisionQuery): Promise<number> {
    return this.table.count(query);
  }

  countsForTenants(tenantIds: readonly string[], query: DecisionQuery): Promise<Map<string, number>> {
    return this.table.countsFor(OF_TENANT, tenantIds, query);
  }

  /** Whether decisions lie behind the page's starting cursor (see ListQuery.behind); `tenantId` for one tenant's connection. */
  behind(query: DecisionQuery, tenantId?: string): Promise<boolean> {
    return this.table.behind(query, tenantId === undefined ? undefined : { key: OF_TENANT, id: tenantId });
  }
}
