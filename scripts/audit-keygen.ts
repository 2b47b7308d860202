/**
 * `npm run audit:keygen`: prints a fresh Ed25519 key pair for audit
 * checkpoints, as the configuration takes it. The private key goes to the
 * gateway alone (AUDIT_CHECKPOINT_PRIVATE_KEY, from a secret store, never
 * into the database or the repository); the public key to the audit
 * subgraph (AUDIT_CHECKPOINT_PUBLIC_KEY). To rotate, give the gateway the
 * new private key and append the new public key to the list, keeping the old
 * one for as long as its checkpoints are kept.
 */
import { generateCheckpointKeyPair } from '../lib/audit-log/checkpoint';

const { privateKey, publicKey, keyId } = generateCheckpointKeyPair();
process.stdout.write(
  [
    `# audit checkpoint key ${keyId}`,
    `AUDIT_CHECKPOINT_PRIVATE_KEY=${privateKey}`,
    `AUDIT_CHECKPOINT_PUBLIC_KEY=${publicKey}`,
    '',
  ].join('\n'),
);
