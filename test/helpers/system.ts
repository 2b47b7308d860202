import { decodeKeyPair } from '../../lib/internal-keys';
import { createLogger, type Logger } from '../../lib/logger';
import { startSystem, type RunningSystem, type SystemOptions } from '../../system/start-system';
import { testCheckpointKeys, testCredentials } from './credentials';
import { withClient } from './scratch-database';

export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is unset: run the tests through jest (globalSetup prepares the database)');
  return url;
}

/** The whole graph on loopback, every server on a port of its own choosing; silent unless TEST_LOG_LEVEL or a logger of the test's says otherwise. */
export function startTestSystem(databaseUrl = testDatabaseUrl(), gatewayDatabaseUrl?: string, protection?: SystemOptions['protection'], logger?: Logger): Promise<RunningSystem> {
  const { callerKeys, cursorSecret, jwt } = testCredentials();
  return startSystem({
    protection,
    databaseUrl,
    gatewayDatabaseUrl,
    logger: logger ?? createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'),
    ports: 'ephemeral',
    poolSize: 3,
    callerKeys: decodeKeyPair(callerKeys),
    cursorSecret,
    jwt,
    // Sealed within a second or so, so tests can watch the checkpoints a running gateway writes.
    auditCheckpoint: { ...testCheckpointKeys(), everySeconds: 1, pollMs: 250 },
  });
}

export interface GraphQLResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  data?: T | null;
  errors?: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, unknown> }>;
}

/** A real HTTP client call, as an operator's dashboard would make it, with the operator key unless `headers` carry other credentials. */
export function graphql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResult<T>> {
  const credentials: Record<string, string> = 'x-api-key' in headers || 'authorization' in headers ? {} : { 'x-api-key': testCredentials().keys.operator };
  return postGraphQL<T>(url, query, variables, { ...credentials, ...headers });
}

/** A GraphQL POST with exactly the headers given. */
export async function postGraphQL<T = any>(
  url: string,
  query: string,
  variables: Record<string, unknown> | undefined,
  headers: Record<string, string>,
): Promise<GraphQLResult<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: GraphQLResult['errors'] };
  return { status: res.status, headers: res.headers, data: body.data, errors: body.errors };
}
/** Plain SQL against the test database, to check the graph's answers independently. */
export async function sql<T = any>(text: string, values: unknown[] = []): Promise<T[]> {
  return withClient(testDatabaseUrl(), async (client) => (await client.query(text, values)).rows as T[]);
}
