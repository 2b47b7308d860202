import type { ServerResponse } from 'node:http';
import { csvRecord, type CsvCell } from '../../lib/csv';
import { ErrorCode } from '../../lib/errors';
import { DECISION_OUTCOMES } from '../../lib/vocabulary';
import { RestError } from './envelope';
import { enumList, refuseUnknownOrRepeated } from './parameters';

/** GET /v1/reports/decisions: the graph's decisionStats, as JSON or CSV. */
const MEASURES = `count outcomes { outcome count rate }
  confidence { mean min max histogram { lower upper count } }
  latencyMs { mean p50 p90 p95 p99 max }`;

export const DECISION_REPORT = `query RestDecisionReport($filter: DecisionFilter, $from: DateTime!, $to: DateTime!, $bucket: TimeBucket,
  $timezone: String, $groupBy: [DecisionDimension!], $compareTo: ComparePeriod) {
  decisionStats(filter: $filter, from: $from, to: $to, bucket: $bucket, timezone: $timezone, groupBy: $groupBy, compareTo: $compareTo) {
    rows { bucketStart bucketEnd partial tenant { id } packageVersion { id } feature outcome subjectType ${MEASURES} previous { ${MEASURES} } }
    totals { ${MEASURES} }
    previous { ${MEASURES} } } }`;

const REPORT_PARAMETERS = [
  'from', 'to', 'bucket', 'timezone', 'group_by', 'compare_to',
  'feature', 'outcome', 'tenant_id', 'package_version_id', 'subject_type', 'subject_reference',
];

// REST names of the graph's dimensions, in the order CSV columns take them.
const DIMENSIONS = [
  ['tenant', 'TENANT', 'tenant_id'],
  ['feature', 'FEATURE', 'feature'],
  ['outcome', 'OUTCOME', 'outcome'],
  ['package_version', 'PACKAGE_VERSION', 'package_version_id'],
  ['subject_type', 'SUBJECT_TYPE', 'subject_type'],
] as const;

type Dimension = (typeof DIMENSIONS)[number];

export interface ReportRequest {
  variables: Record<string, unknown>;
  dimensions: Dimension[];
  compared: boolean;
}

/** The query string as decisionStats arguments; the graph checks the values, this checks the names. */
export function reportArguments(params: URLSearchParams): ReportRequest {
  refuseUnknownOrRepeated(params, REPORT_PARAMETERS);
  for (const required of ['from', 'to']) {
    if (!params.get(required)) throw new RestError(ErrorCode.INVALID_PARAMETER, `${required} is required (an ISO-8601 instant with a zone)`, { parameter: required });
  }
  const dimensions = (enumList(params, 'group_by') ?? []).map((name) => {
    const dimension = DIMENSIONS.find(([rest]) => rest.toUpperCase() === name);
    if (!dimension) {
      throw new RestError(ErrorCode.INVALID_PARAMETER, `group_by takes a comma list of ${DIMENSIONS.map(([rest]) => rest).join(', ')}`, { parameter: 'group_by' });
    }
    return dimension;
  });
  const filter: Record<string, unknown> = {};
  const map: Array<[string, string]> = [['feature', 'feature'], ['tenant_id', 'tenantId'], ['package_version_id', 'packageVersionId'], ['subject_type', 'subjectType'], ['subject_reference', 'subjectReference']];
  for (const [param, field] of map) if (params.has(param)) filter[field] = params.get(param);
  const outcome = enumList(params, 'outcome');
  if (outcome) filter.outcome = outcome;
  const compareTo = params.get('compare_to');
  return {
    variables: {
      filter,
      from: params.get('from'),
      to: params.get('to'),
      bucket: params.get('bucket')?.toUpperCase() ?? null,
      timezone: params.get('timezone') ?? 'UTC',
      groupBy: dimensions.map(([, graph]) => graph),
      compareTo: compareTo?.toUpperCase() ?? null,
    },
    dimensions,
    compared: compareTo !== null,
  };
}

// What the graph answers: only the parts the report reads are typed.
type Aggregate = {
  count: number;
  outcomes: Array<{ outcome: string; count: number; rate: number | null }>;
  confidence: { mean: number | null; min: number | null; max: number | null; histogram: Array<{ lower: number; upper: number; count: number }> };
  latencyMs: { mean: number | null; p50: number | null; p90: number | null; p95: number | null; p99: number | null; max: number | null };
};
type Row = Aggregate & {
  bucketStart: string | null;
  bucketEnd: string | null;
  partial: boolean;
  tenant: { id: string } | null;
  packageVersion: { id: string } | null;
  feature: string | null;
  outcome: string | null;
  subjectType: string | null;
  previous: Aggregate | null;
};
export type GraphStats = { rows: Row[]; totals: Aggregate; previous: Aggregate | null };

function restAggregate(a: Aggregate) {
  return { count: a.count, outcomes: a.outcomes, confidence: a.confidence, latency_ms: a.latencyMs };
}

function dimensionValue(row: Row, [, graph]: Dimension): string | null {
  switch (graph) {
    case 'TENANT': return row.tenant?.id ?? null;
    case 'PACKAGE_VERSION': return row.packageVersion?.id ?? null;
    case 'FEATURE': return row.feature;
    case 'OUTCOME': return row.outcome;
    case 'SUBJECT_TYPE': return row.subjectType;
  }
}

/** The JSON report: snake_case, only the grouped dimensions on each row. */
export function reportJson(request: ReportRequest, stats: GraphStats) {
  const v = request.variables;
  return {
    from: v.from,
    to: v.to,
    bucket: v.bucket,
    timezone: v.timezone,
    group_by: request.dimensions.map(([rest]) => rest),
    compare_to: v.compareTo,
    rows: stats.rows.map((row) => ({
      bucket_start: row.bucketStart,
      bucket_end: row.bucketEnd,
      partial: row.partial,
      ...Object.fromEntries(request.dimensions.map((d) => [d[2], dimensionValue(row, d)])),
      ...restAggregate(row),
      ...(request.compared && { previous: row.previous && restAggregate(row.previous) }),
    })),
    totals: restAggregate(stats.totals),
    ...(request.compared && { previous: stats.previous && restAggregate(stats.previous) }),
  };
}

const BINS = 10;

function measureColumns(prefix: string): string[] {
  return [
    `${prefix}count`,
    ...DECISION_OUTCOMES.flatMap((o) => [`${prefix}${o.toLowerCase()}_count`, `${prefix}${o.toLowerCase()}_rate`]),
    `${prefix}confidence_mean`, `${prefix}confidence_min`, `${prefix}confidence_max`,
    ...Array.from({ length: BINS }, (_, i) => `${prefix}confidence_bin_${i + 1}`),
    ...['mean', 'p50', 'p90', 'p95', 'p99', 'max'].map((m) => `${prefix}latency_ms_${m}`),
  ];
}

function measureCells(a: Aggregate | null): CsvCell[] {
  if (!a) return measureColumns('').map(() => null);
  const outcome = (o: string) => a.outcomes.find((x) => x.outcome === o);
  return [
    a.count,
    ...DECISION_OUTCOMES.flatMap((o) => [outcome(o)?.count ?? 0, outcome(o)?.rate ?? null]),
    a.confidence.mean, a.confidence.min, a.confidence.max,
    ...Array.from({ length: BINS }, (_, i) => a.confidence.histogram[i]?.count ?? 0),
    a.latencyMs.mean, a.latencyMs.p50, a.latencyMs.p90, a.latencyMs.p95, a.latencyMs.p99, a.latencyMs.max,
  ];
}

/**
 * Writes the CSV report a record at a time, waiting for the socket to drain
 * when it asks, so a slow reader holds one record in memory, not the report.
 * One header row; the totals are not a row (a chart would plot them as one).
 */
export async function writeReportCsv(res: ServerResponse, request: ReportRequest, stats: GraphStats): Promise<void> {
  const header = ['bucket_start', 'bucket_end', 'partial', ...request.dimensions.map((d) => d[2]), ...measureColumns(''), ...(request.compared ? measureColumns('previous_') : [])];
  const records = (function* () {
    yield csvRecord(header);
    for (const row of stats.rows) {
      yield csvRecord([
        row.bucketStart,
        row.bucketEnd,
        row.partial,
        ...request.dimensions.map((d) => dimensionValue(row, d)),
        ...measureCells(row),
        ...(request.compared ? measureCells(row.previous) : []),
      ]);
    }
  })();
  for (const record of records) {
    if (res.destroyed) return;
    if (!res.write(record)) await drainedOrClosed(res);
  }
  res.end();
}

/** Resolves when the socket takes more, or is gone (a client that hung up must not leave the writer waiting). */
function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Which representation the client accepts: CSV only when it asks for it, JSON otherwise; anything else is 406. */
export function reportFormat(accept: string | undefined): 'json' | 'csv' {
  if (!accept) return 'json';
  const types = accept
    .split(',')
    .map((part) => {
      const [type, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { type: type!.trim(), q: q ? Number(q.slice(2)) : 1 };
    })
    .filter((t) => t.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { type } of types) {
    if (type === 'text/csv' || type === 'text/*') return 'csv';
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return 'json';
  }
  throw new RestError(ErrorCode.NOT_ACCEPTABLE, 'this report is served as application/json or text/csv', { accept: ['application/json', 'text/csv'] });
}
