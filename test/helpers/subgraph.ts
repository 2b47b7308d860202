import { openDatabase, type Database } from '../../lib/database';
import { createLogger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/supergraph';
import { SUBGRAPH_BUILDERS } from '../../subgraphs/registry';
import { testCheckpointKeys, testCredentials } from './credentials';
import { INTERNAL_CALLER_HEADER, signCaller } from '../../lib/internal-token';
import type { Caller } from '../../lib/caller';
import { newRequestId } from '../../lib/request-id';
import { postGraphQL, testDatabaseUrl, type GraphQLResult } from './system';

export interface TestSubgraph {
  url: string;
  db: Database;
  /** A call as the gateway makes it: signed, here for a platform admin unless another caller is given. */
  query<T = any>(query: string, variables?: Record<string, unknown>, caller?: Partial<Caller>): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

/** One subgraph alone on a loopback port, as the gateway would reach it. */
export async function startSubgraph(name: SubgraphName): Promise<TestSubgraph> {
  const db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
  const { internalSecret } = testCredentials();
  const running = await SUBGRAPH_BUILDERS[name]({ db, logger: createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent'), internalSecret, auditCheckpointKeys: testCheckpointKeys().keyring }).listen(0);
  return {
    url: running.url,
    db,
    query: (query, variables, caller) => postGraphQL(running.url, query, variables, signedCallerHeader(caller)),
    close: async () => (await running.close(), await db.close()),
  };
}

/** The header the gateway would send for this caller (a platform admin by default). */
export function signedCallerHeader(caller: Partial<Caller> = {}): Record<string, string> {
  const full: Caller = { requestId: newRequestId(), actor: 'test', tenantId: null, scopes: new Set(['read', 'write', 'admin']), surface: 'GRAPHQL', ...caller };
  return { [INTERNAL_CALLER_HEADER]: signCaller(full, testCredentials().internalSecret) };
}

export const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...F } }`;
