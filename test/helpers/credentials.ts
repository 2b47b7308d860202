import { CheckpointKeyring, CheckpointSigner } from '../../lib/audit-log/checkpoint';

/** Credentials the global setup creates in the shared test database, handed to the test files through the environment. */
import type { EncodedInternalKeyPair } from '../../lib/internal-keys';

export interface TestCredentials {
  /** The gateway's caller-token key pair for this run, encoded as the environment holds it (decodeKeyPair). */
  callerKeys: EncodedInternalKeyPair;
  /** The subgraphs' cursor secret for this run. */
  cursorSecret: string;
  /** The audit checkpoint key pair of the run: the seed and the gateway sign with it, the audit subgraph verifies. */
  auditCheckpoint: { privateKey: string; publicKey: string };
  jwt: { secret: string; issuer: string; audience: string; tenantClaim: string };
  tenantA: { id: string; slug: string };
  tenantB: { id: string; slug: string };
  keys: {
    /** The platform operator's: no tenant, reads across tenants. */
    operator: string;
    /** Tenant A's admin: manages tenant A only. */
    admin: string;
    readA: string;
    readWriteA: string;
    writeOnlyA: string;
    readB: string;
    expiredA: string;
    revokedA: string;
  };
}

export function testCredentials(): TestCredentials {
  const raw = process.env.TEST_CREDENTIALS;
  if (!raw) throw new Error('TEST_CREDENTIALS is unset: run the tests through jest (globalSetup creates them)');
  return JSON.parse(raw);
}

/** The run's checkpoint signer and keyring, as startSystem takes them. */
export function testCheckpointKeys(): { signer: CheckpointSigner; keyring: CheckpointKeyring } {
  const { privateKey, publicKey } = testCredentials().auditCheckpoint;
  return { signer: new CheckpointSigner(privateKey), keyring: new CheckpointKeyring([publicKey]) };
}
