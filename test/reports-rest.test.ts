/**
 * GET /v1/reports/decisions: the same numbers as the graph's decisionStats,
 * as JSON or streamed CSV, with its parameters checked as every REST route's.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { graphql, sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let base: string;
let tenant: ScratchTenant;
let validate: (schema: string, body: unknown) => void;
const creds = testCredentials();
const FROM = '2026-03-28T00:00:00Z';
const TO = '2026-03-31T00:00:00Z';

beforeAll(async () => {
  system = await startTestSystem();
  base = system.gateway.url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read']] });
  // Decisions at chosen instants, some with subject types a spreadsheet or a CSV reader would trip on.
  const [installed] = await sql(`SELECT package_version_id FROM installations WHERE tenant_id = $1 LIMIT 1`, [tenant.id]);
  const rows: Array<[string, string, string, number, number]> = [
    ['2026-03-28T10:00:00Z', 'person', 'APPROVE', 0.91, 12],
    ['2026-03-28T23:30:00Z', 'person', 'DECLINE', 0.35, 40],
    ['2026-03-29T00:30:00Z', 'a,"quoted"\r\nline', 'REVIEW', 0.5, 25],
    ['2026-03-29T12:00:00Z', '=HYPERLINK("http://x")', 'APPROVE', 1, 7],
    ['2026-03-30T08:00:00Z', 'person', 'APPROVE', 0.77, 19],
  ];
  for (const [at, subjectType, outcome, confidence, latency] of rows) {
    await sql(
      `INSERT INTO decisions (id, tenant_id, feature_key, package_version_id, subject_type, subject_reference, outcome, confidence, reasons,
                              latency_ms, request_id, input_hash, policy_hash, created_at)
       VALUES (gen_random_uuid(), $1, 'kyc.adaptive', $2, $3, 'cus_report', $4, $5, '{}', $6, 'req_report_fixture', repeat('a', 64), repeat('b', 64), $7)`,
      [tenant.id, installed.package_version_id, subjectType, outcome, confidence, latency, at],
    );
  }
  const document = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { components: object };
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components: document.components });
  validate = (schema, body) => {
    const check = ajv.getSchema(`openapi#/components/schemas/${schema}`)!;
    if (!check(body)) throw new Error(`response does not match ${schema}: ${ajv.errorsText(check.errors)}\n${JSON.stringify(body)}`);
  };
});
afterAll(() => system.close());

async function report(query: string, headers: Record<string, string> = {}, key = tenant.keys.read!) {
  const res = await fetch(`${base}/v1/reports/decisions?${query}`, { headers: { 'x-api-key': key, ...headers } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // CSV
  }
  return { status: res.status, headers: res.headers, body, text };
}

/** An RFC 4180 reader written for the test, apart from the writer it checks. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field).toBe('');
  expect(record).toEqual([]);
  return records;
}

const STATS = `query($from: DateTime!, $to: DateTime!) { decisionStats(from: $from, to: $to, bucket: DAY, timezone: "Europe/London", groupBy: [SUBJECT_TYPE]) {
  rows { bucketStart bucketEnd subjectType count outcomes { outcome count rate } latencyMs { p50 max } } totals { count } } }`;

describe('GET /v1/reports/decisions', () => {
  it('answers JSON that matches its OpenAPI schema and the graph, day by day in Europe/London across the spring change', async () => {
    const res = await report(`from=${FROM}&to=${TO}&bucket=day&timezone=Europe/London&group_by=subject_type`);
    expect(res.status).toBe(200);
    validate('DecisionReport', res.body);
    const graph = await graphql(system.gateway.url, STATS, { from: FROM, to: TO }, { 'x-api-key': tenant.keys.read! });
    expect(graph.errors).toBeUndefined();
    const g = graph.data.decisionStats;
    expect(res.body.totals.count).toBe(5);
    expect(res.body.totals.count).toBe(g.totals.count);
    expect(res.body.rows.map((r: any) => [r.bucket_start, r.subject_type, r.count])).toEqual(g.rows.map((r: any) => [r.bucketStart, r.subjectType, r.count]));
    // 2026-03-29 in London is 23 hours long.
    const days = [...new Set(res.body.rows.map((r: any) => `${r.bucket_start}/${r.bucket_end}`))] as string[];
    const lengths = days.map((d) => (Date.parse(d.split('/')[1]!) - Date.parse(d.split('/')[0]!)) / 3_600_000);
    expect(lengths).toContain(23);
  });

  it('streams the same numbers as CSV, quoted as RFC 4180 says, formulas defused', async () => {
    const json = await report(`from=${FROM}&to=${TO}&bucket=day&timezone=Europe/London&group_by=subject_type`);
    const csv = await report(`from=${FROM}&to=${TO}&bucket=day&timezone=Europe/London&group_by=subject_type`, { accept: 'text/csv' });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.endsWith('\r\n')).toBe(true);
    const [header, ...records] = parseCsv(csv.text);
    expect(header!.slice(0, 5)).toEqual(['bucket_start', 'bucket_end', 'partial', 'subject_type', 'count']);
    expect(records).toHaveLength(json.body.rows.length);
    const col = (name: string) => header!.indexOf(name);
    records.forEach((record, i) => {
      const row = json.body.rows[i];
      expect(record[col('bucket_start')]).toBe(row.bucket_start);
      expect(Number(record[col('count')])).toBe(row.count);
      const expectedType = row.subject_type === null ? '' : /^[=+\-@]/.test(row.subject_type) ? `'${row.subject_type}` : row.subject_type;
      expect(record[col('subject_type')]).toBe(expectedType);
      const approve = row.outcomes.find((o: any) => o.outcome === 'APPROVE');
      expect(Number(record[col('approve_count')])).toBe(approve?.count ?? 0);
    });
    expect(records.map((r) => r[col('subject_type')])).toContain('a,"quoted"\r\nline');
    expect(records.map((r) => r[col('subject_type')])).toContain(`'=HYPERLINK("http://x")`);
  });

  it('picks its format from Accept, and refuses one it cannot give with 406', async () => {
    const q = `from=${FROM}&to=${TO}`;
    expect((await report(q, { accept: 'text/csv;q=0.9, application/json' })).headers.get('content-type')).toMatch(/^application\/json/);
    expect((await report(q, { accept: 'application/json;q=0.1, text/csv' })).headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await report(q, { accept: '*/*' })).headers.get('content-type')).toMatch(/^application\/json/);
    const refused = await report(q, { accept: 'application/xml' });
    expect(refused.status).toBe(406);
    expect(refused.body.error.code).toBe('NOT_ACCEPTABLE');
  });

  it('refuses bad parameters with a REST error naming the parameter, and never a 500', async () => {
    const cases: Array<[string, number, string, string?]> = [
      [`to=${TO}`, 400, 'INVALID_PARAMETER', 'from'],
      [`from=${FROM}&to=${TO}&group_by=colour`, 400, 'INVALID_PARAMETER', 'group_by'],
      [`from=${FROM}&to=${TO}&frm=1`, 400, 'UNKNOWN_PARAMETER'],
      [`from=${FROM}&to=${TO}&bucket=day&bucket=hour`, 400, 'INVALID_PARAMETER'],
      [`from=${FROM}&to=${TO}&timezone=Mars/Olympus_Mons`, 400, 'BAD_USER_INPUT'],
      [`from=${FROM}&to=${TO}&bucket=fortnight`, 400, 'BAD_USER_INPUT'],
      [`from=${TO}&to=${FROM}`, 400, 'BAD_USER_INPUT'],
      [`from=not-a-date&to=${TO}`, 400, 'BAD_USER_INPUT'],
      [`from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&bucket=minute`, 400, 'BAD_USER_INPUT'],
    ];
    for (const [query, status, code, parameter] of cases) {
      const res = await report(query);
      expect({ query, status: res.status, code: res.body.error?.code }).toEqual({ query, status, code });
      if (parameter) expect(res.body.error.details?.parameter).toBe(parameter);
    }
  });

  it("keeps a tenant to its own decisions, and lets the operator report on any tenant", async () => {
    const other = await report(`from=${FROM}&to=${TO}&tenant_id=${creds.tenantB.id}`);
    expect(other.status).toBe(403);
    const asOperator = await report(`from=${FROM}&to=${TO}&tenant_id=${tenant.id}&group_by=tenant`, {}, creds.keys.operator);
    expect(asOperator.status).toBe(200);
    expect(asOperator.body.rows).toEqual([expect.objectContaining({ tenant_id: tenant.id, count: 5 })]);
  });
});
