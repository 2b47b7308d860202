import type { CheckpointKeyring } from '../audit-log/checkpoint';
import type { Database } from '../database';
import type { Logger } from '../logger';

/** What every subgraph is built from, whether it runs alone or beside the others. */
export interface SubgraphDeps {
  db: Database;
  logger: Logger;
  /** Shared with the gateway, to check the signed caller header. */
  internalSecret: string;
  /**
   * The audit subgraph's keys for checkpoint signatures
   * (AUDIT_CHECKPOINT_PUBLIC_KEY); without them chain verification answers
   * UNVERIFIABLE. The other subgraphs ignore it.
   */
  auditCheckpointKeys?: CheckpointKeyring;
}
