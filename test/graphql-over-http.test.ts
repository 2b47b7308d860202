import { auditServer, type AuditResult } from 'graphql-http';
import type { RunningSystem } from '../system/start-system';
import { testCredentials } from './helpers/credentials';
import { startTestSystem } from './helpers/system';

/**
 * The GraphQL-over-HTTP spec's own server audits (graphql-http, by the
 * spec's maintainers), run against the gateway started as in production,
 * with a read key on every request as any real client sends one. No MUST
 * may fail; the README lists each SHOULD or MAY we miss and why.
 */
let system: RunningSystem;
let results: AuditResult[];
const previousEnv = process.env.NODE_ENV;

beforeAll(async () => {
  process.env.NODE_ENV = 'production';
  system = await startTestSystem();
  const key = testCredentials().keys.readA;
  results = await auditServer({
    url: system.gateway.url,
    fetchFn: (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('x-api-key', key);
      return fetch(input, { ...init, headers });
    },
  });
}, 60_000);
afterAll(async () => {
  await system?.close();
  process.env.NODE_ENV = previousEnv;
});

describe('GraphQL over HTTP (graphql-http auditServer, NODE_ENV=production)', () => {
  it('passes every MUST audit', () => {
    const mustFailures = results.filter((r) => r.status === 'error').map((r) => `${r.id} ${r.name}: ${'reason' in r ? r.reason : ''}`);
    expect(mustFailures).toEqual([]);
  });

  it('misses only the SHOULD and MAY audits the README lists', () => {
    const warnings = results.filter((r) => r.status === 'warn').map((r) => r.name).sort();
    const others = results.filter((r) => r.status !== 'ok' && r.status !== 'warn' && r.status !== 'error').map((r) => `${r.status}: ${r.name}`);
    process.stdout.write(`\ngraphql-http: ${results.filter((r) => r.status === 'ok').length} ok, ${warnings.length} warn, ${results.filter((r) => r.status === 'error').length} error of ${results.length}\n${[...warnings.map((w) => `  warn: ${w}`), ...others.map((o) => `  ${o}`)].join('\n')}\n`);
    expect(warnings).toEqual(KNOWN_WARNINGS);
  });
});

// Each is explained in the README, "GraphQL over HTTP".
const KNOWN_WARNINGS: string[] = [
  'SHOULD use 200 status code on document parsing failure when accepting application/json',
  'SHOULD use 200 status code on document validation failure when accepting application/json',
  'SHOULD use a status code of 200 on variable coercion failure when accepting application/json',
];
