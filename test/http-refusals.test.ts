import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { sql, startTestSystem } from './helpers/system';

let system: RunningSystem;
let url: string;
let base: string;

beforeAll(async () => {
  system = await startTestSystem();
  url = system.gateway.url;
  base = url.replace(/\/graphql$/, '');
});
afterAll(() => system?.close());

let counter = 0;
const newCorrelationId = () => `refusal-${Date.now()}-${counter++}`;

/** One raw call; its audit record is found by the id the server gave it, and carries the client's id as its correlation id. */
async function call(init: RequestInit & { path?: string; search?: string }, correlationId = newCorrelationId()) {
  const key = { 'x-api-key': testCredentials().keys.readA, 'x-request-id': correlationId };
  const res = await fetch(`${base}${init.path ?? '/graphql'}${init.search ?? ''}`, { ...init, headers: { ...key, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  const requestId = res.headers.get('x-request-id')!;
  expect(res.headers.get('x-correlation-id')).toBe(correlationId);
  const audit = await sql<{ status: string; surface: string; actor: string; correlation_id: string }>(
    'SELECT status, surface, actor, correlation_id FROM audit_events WHERE request_id = $1',
    [requestId],
  );
  for (const row of audit) expect(row.correlation_id).toBe(correlationId);
  return { status: res.status, body, audit, requestId };
}

describe('requests refused before any operation runs', () => {
  const cases: Array<[string, RequestInit & { search?: string }, number]> = [
    ['a body that is not JSON', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' }, 400],
    ['a batched array', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]) }, 400],
    ['a text/plain body', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) }, 400],
    ['a form body', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' }, 400],
    ['a GET without the CSRF preflight header', { method: 'GET', search: '?query=%7B__typename%7D' }, 400],
    ['a wrong method', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) }, 405],
    ['an oversize body', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }', variables: { x: 'y'.repeat(1_100_000) } }) }, 413],
  ];

  it.each(cases)('%s: a 4xx with a code and the request id, and an audit record', async (_name, init, status) => {
    const r = await call(init);
    expect(r.status).toBe(status);
    expect(r.body.errors?.[0]?.extensions).toMatchObject({ code: expect.any(String), requestId: r.requestId });
    expect(r.audit).toHaveLength(1);
    expect(r.audit[0]).toMatchObject({ surface: 'GRAPHQL', status: expect.stringMatching(new RegExp(`^${status}\\b`)) });
  });

  it('a mutation over GET is refused and recorded', async () => {
    const r = await call({ method: 'GET', search: `?query=${encodeURIComponent('mutation { revokeApiKey(id: "x") { id } }')}`, headers: { 'apollo-require-preflight': 'true' } });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect(r.audit).toHaveLength(1);
  });

  it('variables nested 5,000 deep are refused as bad input, never AUDIT_UNAVAILABLE', async () => {
    // Written out by hand: JSON.stringify itself overflows the stack at this depth.
    const deep = '{"d":'.repeat(5_000) + '"x"' + '}'.repeat(5_000);
    const send = (query: string) =>
      call({ method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"query":${JSON.stringify(query)},"variables":{"f":${deep}}}` });
    const r = await send('query($f: DecisionFilter) { decisions(first: 1, filter: $f) { totalCount } }');
    expect(r.status).toBe(400);
    expect(r.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(r.audit).toHaveLength(1);
    // Also when the operation does not parse, so the limits never look at the variables.
    const unparsable = await send('{ oops');
    expect(unparsable.status).toBe(400);
    expect(unparsable.body.errors[0].extensions.code).not.toBe('AUDIT_UNAVAILABLE');
    expect(unparsable.audit).toHaveLength(1);
  });
});
