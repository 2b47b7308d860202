import { randomBytes } from 'node:crypto';
import { CheckpointKeyring, CheckpointSigner, generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';
import { generateInternalKeyPair, type InternalKeyPair } from '../lib/internal-keys';
import { createLogger } from '../lib/logger';
import { startSystem, type RunningSystem } from '../system/start-system';

/**
 * The whole graph in this process on free ports, as the in-process benches
 * measure it: throwaway caller and checkpoint keys (the gateway seals its
 * audit chains as in production), pools of 10, errors logged only.
 */
export function startBenchSystem(databaseUrl: string, callerKeys: InternalKeyPair = generateInternalKeyPair()): Promise<RunningSystem> {
  const { privateKey, publicKey } = generateCheckpointKeyPair();
  return startSystem({
    databaseUrl,
    logger: createLogger('error'),
    ports: 'ephemeral',
    callerKeys,
    cursorSecret: randomBytes(32).toString('hex'),
    poolSize: 10,
    auditCheckpoint: { signer: new CheckpointSigner(privateKey), keyring: new CheckpointKeyring([publicKey]) },
  });
}
