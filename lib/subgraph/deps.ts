import type { StreamBus } from '../streams/bus';
import type { KeyObject } from 'node:crypto';
import { CursorCodec } from '../connection';
import type { CheckpointKeyring } from '../audit-log/checkpoint';
import type { Database } from '../database';
import { CallerVerifier } from '../internal-token';
import type { Logger } from '../logger';
import type { SubgraphName } from '../supergraph';

/** What every subgraph is built from, whether it runs alone or beside the others. */
export interface SubgraphDeps {
  db: Database;
  logger: Logger;
  /** Checks the gateway's caller token: its signature, this subgraph as audience, its few seconds, its single use. */
  callerVerifier: CallerVerifier;
  /** Mints and opens this subgraph's cursors, with a key no other subgraph shares. */
  cursors: CursorCodec;
  /**
   * The audit subgraph's keys for checkpoint signatures
   * (AUDIT_CHECKPOINT_PUBLIC_KEY); without them chain verification answers
   * UNVERIFIABLE. The other subgraphs ignore it.
   */
  auditCheckpointKeys?: CheckpointKeyring;
  /** Announces committed stream events to the gateways (the decisions subgraph publishes on it). */
  streamBus?: StreamBus;
}

/** A subgraph's deps from the gateway's public key and the cursor secret: one wiring for start-up, run-alone and tests. */
export function subgraphDeps(
  name: SubgraphName,
  parts: { db: Database; logger: Logger; publicKey: KeyObject; cursorSecret: string; auditCheckpointKeys?: CheckpointKeyring; streamBus?: StreamBus },
): SubgraphDeps {
  return {
    db: parts.db,
    logger: parts.logger,
    callerVerifier: new CallerVerifier({ publicKey: parts.publicKey, audience: name }),
    cursors: CursorCodec.forSubgraph(parts.cursorSecret, name),
    ...(parts.auditCheckpointKeys && { auditCheckpointKeys: parts.auditCheckpointKeys }),
    ...(parts.streamBus && { streamBus: parts.streamBus }),
  };
}
