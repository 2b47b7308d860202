/** Credentials the global setup creates in the shared test database, handed to the test files through the environment. */
import type { EncodedInternalKeyPair } from '../../lib/internal-keys';

export interface TestCredentials {
  /** The gateway's caller-token key pair for this run, encoded as the environment holds it (decodeKeyPair). */
  callerKeys: EncodedInternalKeyPair;
  /** The subgraphs' cursor secret for this run. */
  cursorSecret: string;
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
