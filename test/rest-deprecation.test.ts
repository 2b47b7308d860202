import { loadEnv } from '../lib/env';
import type { RunningSystem } from '../system/start-system';
import { createScratchTenant, type ScratchTenant } from './helpers/scratch-tenant';
import { startTestSystem } from './helpers/system';

/** A REST route marked deprecated by configuration: its answers say so and when it goes, and the OpenAPI document does too. */
let system: RunningSystem;
let base: string;
let tenant: ScratchTenant;
const deprecations = loadEnv({
  REST_DEPRECATIONS: JSON.stringify([{ route: 'GET /v1/decisions/:id', since: '2026-11-01', sunset: '2027-05-01T00:00:00Z', successor: '/graphql' }]),
}).REST_DEPRECATIONS;

beforeAll(async () => {
  system = await startTestSystem(undefined, undefined, { restDeprecations: deprecations });
  base = system.gateway.url.replace(/\/graphql$/, '');
  tenant = await createScratchTenant({ features: ['kyc.adaptive'], scopeSets: [['read']] });
});
afterAll(() => system.close());

const get = (path: string, key: string | null = tenant.keys.read!) => fetch(`${base}${path}`, { headers: key ? { 'x-api-key': key } : {} });

describe('a deprecated REST route', () => {
  it('answers with Deprecation, Sunset and a successor link, refusals included', async () => {
    for (const res of [await get('/v1/decisions/00000000-0000-4000-8000-000000000000'), await get('/v1/decisions/00000000-0000-4000-8000-000000000000', null)]) {
      expect([404, 401]).toContain(res.status);
      expect(res.headers.get('deprecation')).toBe(`@${Date.parse('2026-11-01T00:00:00Z') / 1000}`);
      expect(res.headers.get('sunset')).toBe('Sat, 01 May 2027 00:00:00 GMT');
      expect(res.headers.get('link')).toBe('</graphql>; rel="successor-version"');
    }
  });

  it('leaves the other routes alone, the same path under another method included', async () => {
    const list = await get('/v1/decisions?limit=1');
    expect(list.status).toBe(200);
    expect(list.headers.get('deprecation')).toBeNull();
    expect(list.headers.get('sunset')).toBeNull();
  });

  it('is marked in the OpenAPI document, with the line that says when it goes, and only it', async () => {
    const document = (await (await fetch(`${base}/v1/openapi.json`)).json()) as { paths: Record<string, any> };
    const operation = document.paths['/v1/decisions/{id}'].get;
    expect(operation.deprecated).toBe(true);
    expect(operation.description).toContain('Deprecated since 2026-11-01; removed after 2027-05-01 (Sunset). Use /graphql instead.');
    expect(operation.responses['200'].headers.Sunset).toBeDefined();
    const others = Object.entries(document.paths as Record<string, Record<string, { deprecated?: boolean; responses: Record<string, { headers?: object }> }>>)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ route: `${method} ${path}`, op })))
      .filter(({ route }) => route !== 'get /v1/decisions/{id}');
    expect(others.length).toBeGreaterThan(3);
    for (const { route, op } of others) {
      expect({ route, deprecated: op.deprecated }).toEqual({ route, deprecated: undefined });
      for (const response of Object.values(op.responses)) expect(response.headers?.hasOwnProperty('Sunset') ?? false).toBe(false);
    }
  });
});

describe('REST_DEPRECATIONS', () => {
  it.each([
    ['not JSON', '{route', /not JSON/],
    ['an unknown member', JSON.stringify([{ route: 'GET /v1/decisions', since: '2026-01-01', sunset: '2027-01-01', extra: 1 }]), /Unrecognized key/],
    ['a sunset before its deprecation', JSON.stringify([{ route: 'GET /v1/decisions', since: '2027-01-01', sunset: '2026-01-01' }]), /sunset must come after since/],
    ['a malformed route', JSON.stringify([{ route: 'DELETE everything', since: '2026-01-01', sunset: '2027-01-01' }]), /route/],
    ['a date that is not one', JSON.stringify([{ route: 'GET /v1/decisions', since: 'soon', sunset: '2027-01-01' }]), /since/],
    ['a successor that would break the header', JSON.stringify([{ route: 'GET /v1/decisions', since: '2026-01-01', sunset: '2027-01-01', successor: '/x>; rel="evil"' }]), /successor/],
  ])('refuses %s at start-up, naming the variable', (_what, value, message) => {
    expect(() => loadEnv({ REST_DEPRECATIONS: value })).toThrow(/REST_DEPRECATIONS/);
    expect(() => loadEnv({ REST_DEPRECATIONS: value })).toThrow(message);
  });

  it('refuses a route the API does not have when the gateway is built', async () => {
    const wrong = loadEnv({ REST_DEPRECATIONS: JSON.stringify([{ route: 'GET /v1/decision/:id', since: '2026-01-01', sunset: '2027-01-01' }]) }).REST_DEPRECATIONS;
    await expect(startTestSystem(undefined, undefined, { restDeprecations: wrong })).rejects.toThrow(/GET \/v1\/decision\/:id, which is not a route/);
  });
});
