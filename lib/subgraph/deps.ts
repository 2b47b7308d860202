import type { Database } from '../database';
import type { Logger } from '../logger';

/** What every subgraph is built from, whether it runs alone or beside the others. */
export interface SubgraphDeps {
  db: Database;
  logger: Logger;
  /** Shared with the gateway, to check the signed caller header. */
  internalSecret: string;
}
