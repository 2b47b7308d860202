/**
 * `npm run keys:internal`: prints a fresh Ed25519 key pair for the internal
 * caller token, as environment lines. Give the private key to the gateway
 * only, the public key to every subgraph; a subgraph holding the private key
 * refuses to start.
 */
import { createPublicKey } from 'node:crypto';
import { decodeKeyPair, encodeKeyPair, generateInternalKeyPair } from '../lib/internal-keys';

const encoded = encodeKeyPair(generateInternalKeyPair());
// What we print must read back as a matching pair, or nobody should deploy it.
const decoded = decodeKeyPair(encoded);
if (!createPublicKey(decoded.privateKey).equals(decoded.publicKey)) throw new Error('generated key pair does not match itself');
process.stdout.write(`# gateway only:\nINTERNAL_AUTH_PRIVATE_KEY=${encoded.privateKey}\n# every subgraph:\nINTERNAL_AUTH_PUBLIC_KEY=${encoded.publicKey}\n`);
