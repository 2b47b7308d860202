import { openDatabase, type Database } from '../../lib/database';
import { createLogger } from '../../lib/logger';
import type { SubgraphName } from '../../lib/subgraphs';
import { SUBGRAPH_BUILDERS } from '../../system/start-system';
import { testDatabaseUrl } from './system';

export interface TestSubgraph {
  url: string;
  db: Database;
  close(): Promise<void>;
}

/** One subgraph alone on a loopback port, as the gateway would reach it. */
export async function startSubgraph(name: SubgraphName): Promise<TestSubgraph> {
  const db = openDatabase(testDatabaseUrl(), { poolSize: 2 });
  const running = await SUBGRAPH_BUILDERS[name]({ db, logger: createLogger('silent') }).listen(0);
  return { url: running.url, db, close: async () => (await running.close(), await db.close()) };
}

export const ENTITIES = `query($representations: [_Any!]!) { _entities(representations: $representations) { __typename ...F } }`;
