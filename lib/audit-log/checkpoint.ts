/**
 * Signed checkpoints of the audit chains. A checkpoint says "chain C had
 * reached seq S, whose hash was H, at time T", signed with an Ed25519 key
 * that lives in the gateway's configuration and never in the database. The
 * hash chain proves that no stored event was changed; a checkpoint proves
 * that the chain once reached S with H, so deleting its newest events, or
 * deleting them and appending others in their place, is found even by
 * someone who owns every audit table.
 *
 * Ed25519 through node:crypto: the platform's own runtime, no dependency,
 * and a raw signature over a fixed message (a JWS from jose would wrap the
 * same signature in a header and encoding nobody reads).
 */
import { createPrivateKey, createPublicKey, sign, verify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { sha256Hex } from '../hash';

export interface CheckpointContent {
  chainKey: string;
  seq: number;
  headHash: string;
  signedAt: Date;
}

export interface Checkpoint extends CheckpointContent {
  keyId: string;
  /** base64url Ed25519 signature of checkpointMessage(content). */
  signature: string;
}

/**
 * The bytes signed: a version tag and the fields on lines of their own.
 * Every field is fixed-form (uuid, integer, hex, ISO instant), so no two
 * contents give the same message.
 */
export function checkpointMessage(content: CheckpointContent): Buffer {
  return Buffer.from(
    ['micro-ai-audit-checkpoint/v1', content.chainKey.toLowerCase(), String(content.seq), content.headHash, content.signedAt.toISOString()].join('\n'),
    'utf8',
  );
}

/** A key's id: the first 16 bytes of the SHA-256 of its public key (SPKI DER), in hex. */
export function keyIdOf(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' })).slice(0, 32);
}

function readKey(text: string, kind: 'private' | 'public'): KeyObject {
  const trimmed = text.trim();
  // PEM as printed by openssl, or the base64 of the DER (one line, easy to put in an environment variable).
  const key = trimmed.startsWith('-----BEGIN')
    ? kind === 'private' ? createPrivateKey(trimmed) : createPublicKey(trimmed)
    : kind === 'private'
      ? createPrivateKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'pkcs8' })
      : createPublicKey({ key: Buffer.from(trimmed, 'base64'), format: 'der', type: 'spki' });
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError(`not an Ed25519 ${kind} key`);
  return key;
}

/**
 * Parses a key, throwing an error that never repeats the key's text (it may
 * be a secret, and errors end up in logs).
 */
function parseKey(text: string, kind: 'private' | 'public', name: string): KeyObject {
  try {
    return readKey(text, kind);
  } catch {
    throw new TypeError(`${name} is not an Ed25519 ${kind} key (base64 of its ${kind === 'private' ? 'PKCS#8' : 'SPKI'} DER, or PEM)`);
  }
}

/** Signs checkpoints with the one private key of the configuration. */
export class CheckpointSigner {
  readonly keyId: string;
  private readonly privateKey: KeyObject;

  constructor(privateKeyText: string) {
    this.privateKey = parseKey(privateKeyText, 'private', 'AUDIT_CHECKPOINT_PRIVATE_KEY');
    this.keyId = keyIdOf(createPublicKey(this.privateKey));
  }

  /** The public key that verifies this signer's checkpoints, as configured (base64 SPKI DER). */
  publicKeyText(): string {
    return createPublicKey(this.privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  }

  sign(content: CheckpointContent): Checkpoint {
    const signature = sign(null, checkpointMessage(content), this.privateKey).toString('base64url');
    return { ...content, signedAt: new Date(content.signedAt.getTime()), keyId: this.keyId, signature };
  }
}

export type SignatureCheck = 'verified' | 'forged' | 'unknown_key';

/**
 * The public keys checkpoints are verified with: every key in use, and the
 * keys retired by rotation for as long as their checkpoints are kept.
 */
export class CheckpointKeyring {
  private readonly keys = new Map<string, KeyObject>();

  constructor(publicKeyTexts: readonly string[]) {
    for (const text of publicKeyTexts) {
      const key = parseKey(text, 'public', 'AUDIT_CHECKPOINT_PUBLIC_KEY');
      this.keys.set(keyIdOf(key), key);
    }
  }

  /** A comma-separated list, as AUDIT_CHECKPOINT_PUBLIC_KEY holds it. */
  static fromList(list: string | undefined): CheckpointKeyring {
    return new CheckpointKeyring((list ?? '').split(',').map((k) => k.trim()).filter(Boolean));
  }

  get size(): number {
    return this.keys.size;
  }

  check(checkpoint: Checkpoint): SignatureCheck {
    const key = this.keys.get(checkpoint.keyId);
    if (!key) return 'unknown_key';
    const signature = Buffer.from(checkpoint.signature, 'base64url');
    // verify() throws on a signature of the wrong length; that is a forgery too.
    try {
      return verify(null, checkpointMessage(checkpoint), key, signature) ? 'verified' : 'forged';
    } catch {
      return 'forged';
    }
  }
}

/** A fresh key pair as the configuration takes it (`npm run audit:keygen`). */
export function generateCheckpointKeyPair(): { privateKey: string; publicKey: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    keyId: keyIdOf(publicKey),
  };
}
