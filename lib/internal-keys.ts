import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * The gateway's Ed25519 key pair for the internal caller token. The gateway
 * alone holds the private key and signs; the subgraphs hold only the public
 * key and verify, so a subgraph that is compromised cannot mint a caller for
 * any other (which one shared HMAC secret could not prevent).
 *
 * In the environment a key is one line: the base64 of its DER encoding
 * (PKCS#8 for the private key, SPKI for the public one), as
 * `npm run keys:internal` prints it. PEM is accepted too, for keys made with
 * `openssl genpkey -algorithm ed25519`.
 */
export interface InternalKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

/** The pair as the environment holds it. */
export interface EncodedInternalKeyPair {
  readonly privateKey: string;
  readonly publicKey: string;
}

function assertEd25519(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} is a ${key.asymmetricKeyType ?? 'symmetric'} key, not Ed25519`);
  return key;
}

function source(text: string): { key: string | Buffer; format: 'pem' | 'der' } {
  const trimmed = text.trim();
  if (trimmed.startsWith('-----BEGIN')) return { key: trimmed, format: 'pem' };
  if (!/^[A-Za-z0-9+/=_-]+$/.test(trimmed)) throw new Error('not base64 DER or PEM');
  return { key: Buffer.from(trimmed, trimmed.includes('-') || trimmed.includes('_') ? 'base64url' : 'base64'), format: 'der' };
}

/** The gateway's private key from its encoded form; throws saying what is wrong (never echoing the key). */
export function decodePrivateKey(text: string): KeyObject {
  let key: KeyObject;
  try {
    const { key: data, format } = source(text);
    key = format === 'pem' ? createPrivateKey({ key: data, format }) : createPrivateKey({ key: data as Buffer, format, type: 'pkcs8' });
  } catch {
    throw new Error('is not an Ed25519 private key (base64 PKCS#8 DER or PEM; npm run keys:internal makes one)');
  }
  return assertEd25519(key, 'the private key');
}

/** The gateway's public key from its encoded form. A private key is refused here: a subgraph must never hold one. */
export function decodePublicKey(text: string): KeyObject {
  if (/PRIVATE KEY/.test(text)) throw new Error('holds a private key: subgraphs take only the public key');
  let key: KeyObject;
  try {
    const { key: data, format } = source(text);
    key = format === 'pem' ? createPublicKey({ key: data, format }) : createPublicKey({ key: data as Buffer, format, type: 'spki' });
  } catch {
    throw new Error('is not an Ed25519 public key (base64 SPKI DER or PEM; npm run keys:internal makes one)');
  }
  return assertEd25519(key, 'the public key');
}

export function encodeKeyPair(pair: InternalKeyPair): EncodedInternalKeyPair {
  return {
    privateKey: pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: pair.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function decodeKeyPair(encoded: EncodedInternalKeyPair): InternalKeyPair {
  return { privateKey: decodePrivateKey(encoded.privateKey), publicKey: decodePublicKey(encoded.publicKey) };
}

/** A fresh pair: `npm run keys:internal`, and `npm start`, whose parts share one process and so need no configured pair. */
export function generateInternalKeyPair(): InternalKeyPair {
  return generateKeyPairSync('ed25519');
}
