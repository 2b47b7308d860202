import { openDatabase, type Database } from '../../lib/database';
import { decodeKeyPair } from '../../lib/internal-keys';
import { createLogger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/supergraph';
import { subgraphDeps, type SubgraphDeps } from '../../lib/subgraph/deps';
import { SUBGRAPH_BUILDERS } from '../../subgraphs/registry';
import { testCheckpointKeys, testCredentials } from './credentials';
import { CallerSigner, INTERNAL_CALLER_HEADER } from '../../lib/internal-token';
import type { Caller } from '../../lib/caller';
import { newRequestId } from '../../lib/request-id';
import { postGraphQL, testDatabaseUrl, type GraphQLResult } from './system';

export interface TestSubgraph {
  url: string;
  db: Database;
  /** A call as the gateway makes it: signed for this subgraph, here for a platform admin unless another caller is given. */
  query<T = any>(query: string, variables?: Record<string, unknown>, caller?: Partial<Caller>): Promise<GraphQLResult<T>>;
  close(): Promise<void>;
}

/** What a subgraph of this test run is built from: the run's public key and cursor secret, over `db`. */
export function testSubgraphDeps(name: SubgraphName, db: Database): SubgraphDeps {
  const { callerKeys, cursorSecret } = testCredentials();
  const logger = createLogger((process.env.TEST_LOG_LEVEL as 'silent') ?? 'silent');
  return subgraphDeps(name, { db, logger, publicKey: decodeKeyPair(callerKeys).publicKey, cursorSecret });
}

/** One subgraph alone on a loopback port, as the gateway would reach it. */
export async function startSubgraph(name: SubgraphName): Promise<TestSubgraph> {
  const db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
  const running = await SUBGRAPH_BUILDERS[name]({ ...testSubgraphDeps(name, db), auditCheckpointKeys: testCheckpointKeys().keyring }).listen(0);
  return {
    url: running.url,
    db,
    query: (query, variables, caller) => postGraphQL(running.url, query, variables, signedCallerHeader(name, caller)),
    close: async () => (await running.close(), await db.close()),
  };
}

let signer: CallerSigner | undefined;

/** The header the gateway would send to `audience` for this caller (a platform admin by default): a fresh token each call. */
export function signedCallerHeader(audience: SubgraphName, caller: Partial<Caller> = {}): Record<string, string> {
  signer ??= new CallerSigner(decodeKeyPair(testCredentials().callerKeys).privateKey);
  const full: Caller = { requestId: newRequestId(), actor: 'test', tenantId: null, scopes: new Set(['read', 'write', 'admin']), surface: 'GRAPHQL', ...caller };
  return { [INTERNAL_CALLER_HEADER]: signer.sign(full, audience) };
}

export const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...F } }`;
