import { generateKeyPairSync } from 'node:crypto';
import { CheckpointKeyring, CheckpointSigner, checkpointMessage, generateCheckpointKeyPair, keyIdOf } from '../checkpoint';
import { auditCheckpointKeyring, auditCheckpointSigner, loadEnv, requireAuditCheckpointSigner } from '../../env';

const KEYS = generateCheckpointKeyPair();
const signer = new CheckpointSigner(KEYS.privateKey);
const keyring = new CheckpointKeyring([KEYS.publicKey]);
const CONTENT = {
  chainKey: '3a000000-0000-4000-8000-00000000003a',
  seq: 100,
  headHash: 'ab'.repeat(32),
  signedAt: new Date('2026-12-02T10:00:00.000Z'),
};

describe('checkpoint signatures', () => {
  it('verify with the signer\'s public key, named by its key id', () => {
    const checkpoint = signer.sign(CONTENT);
    expect(checkpoint.keyId).toBe(KEYS.keyId);
    expect(checkpoint.keyId).toMatch(/^[0-9a-f]{32}$/);
    expect(keyring.check(checkpoint)).toBe('verified');
    expect(new CheckpointKeyring([signer.publicKeyText()]).check(checkpoint)).toBe('verified');
    // Ed25519 is deterministic: the same content signs the same.
    expect(signer.sign(CONTENT).signature).toBe(checkpoint.signature);
  });

  it('fail when any signed field changes', () => {
    const checkpoint = signer.sign(CONTENT);
    for (const change of [
      { chainKey: '3b000000-0000-4000-8000-00000000003b' },
      { seq: 101 },
      { headHash: 'ac'.repeat(32) },
      { signedAt: new Date(CONTENT.signedAt.getTime() + 1) },
    ]) {
      expect(keyring.check({ ...checkpoint, ...change })).toBe('forged');
    }
  });

  it('fail for a flipped bit, a truncated or empty signature, or garbage', () => {
    const checkpoint = signer.sign(CONTENT);
    const bytes = Buffer.from(checkpoint.signature, 'base64url');
    bytes[5] ^= 1;
    for (const signature of [bytes.toString('base64url'), checkpoint.signature.slice(0, 40), '', '!!not base64!!']) {
      expect(keyring.check({ ...checkpoint, signature })).toBe('forged');
    }
  });

  it('name an unknown key when signed with a key not in the keyring, even under a borrowed key id', () => {
    const stranger = new CheckpointSigner(generateCheckpointKeyPair().privateKey);
    const checkpoint = stranger.sign(CONTENT);
    expect(keyring.check(checkpoint)).toBe('unknown_key');
    // Claiming the real key id does not make the stranger's signature verify.
    expect(keyring.check({ ...checkpoint, keyId: KEYS.keyId })).toBe('forged');
    expect(new CheckpointKeyring([]).check(signer.sign(CONTENT))).toBe('unknown_key');
  });

  it('sign a message that cannot be confused with another content', () => {
    expect(checkpointMessage(CONTENT).toString()).toBe(
      `micro-ai-audit-checkpoint/v1\n${CONTENT.chainKey}\n100\n${CONTENT.headHash}\n2026-12-02T10:00:00.000Z`,
    );
    expect(checkpointMessage({ ...CONTENT, chainKey: CONTENT.chainKey.toUpperCase() })).toEqual(checkpointMessage(CONTENT));
  });
});

describe('checkpoint keys', () => {
  it('are read as base64 DER or PEM, and the key id is the hash of the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = new CheckpointSigner(privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    expect(pem.keyId).toBe(keyIdOf(publicKey));
    expect(new CheckpointKeyring([publicKey.export({ type: 'spki', format: 'pem' }) as string]).check(pem.sign(CONTENT))).toBe('verified');
  });

  it('refuse what is not an Ed25519 key without repeating it', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    for (const text of ['secret-looking-value', rsa, KEYS.publicKey]) {
      let message = '';
      try {
        new CheckpointSigner(text);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/AUDIT_CHECKPOINT_PRIVATE_KEY is not an Ed25519 private key/);
      expect(message).not.toContain(text.slice(0, 12));
    }
    expect(() => new CheckpointKeyring([KEYS.privateKey])).toThrow(/AUDIT_CHECKPOINT_PUBLIC_KEY is not an Ed25519 public key/);
  });

  it('are checked at start-up, naming the variable and never its value', () => {
    expect(() => loadEnv({ AUDIT_CHECKPOINT_PRIVATE_KEY: 'hunter2-hunter2' })).toThrow(/AUDIT_CHECKPOINT_PRIVATE_KEY/);
    expect(() => loadEnv({ AUDIT_CHECKPOINT_PRIVATE_KEY: 'hunter2-hunter2' })).not.toThrow(/hunter2/);
    expect(() => loadEnv({ AUDIT_CHECKPOINT_PUBLIC_KEY: `${KEYS.publicKey},nope` })).toThrow(/AUDIT_CHECKPOINT_PUBLIC_KEY/);
    expect(() => loadEnv({ AUDIT_CHECKPOINT_EVERY_EVENTS: '0' })).toThrow(/AUDIT_CHECKPOINT_EVERY_EVENTS/);
    const env = loadEnv({ AUDIT_CHECKPOINT_PRIVATE_KEY: KEYS.privateKey, AUDIT_CHECKPOINT_PUBLIC_KEY: ` ${KEYS.publicKey} , ${generateCheckpointKeyPair().publicKey}` });
    expect(env.AUDIT_CHECKPOINT_EVERY_EVENTS).toBe(100);
    expect(env.AUDIT_CHECKPOINT_EVERY_SECONDS).toBe(10);
    expect(auditCheckpointSigner(env)?.keyId).toBe(KEYS.keyId);
    expect(auditCheckpointKeyring(env).size).toBe(2);
  });

  it('are required by a gateway deployed alone, which would otherwise leave its log rewindable', () => {
    expect(() => requireAuditCheckpointSigner(loadEnv({}))).toThrow(/AUDIT_CHECKPOINT_PRIVATE_KEY is required when the gateway runs alone/);
    expect(requireAuditCheckpointSigner(loadEnv({ AUDIT_CHECKPOINT_PRIVATE_KEY: KEYS.privateKey })).keyId).toBe(KEYS.keyId);
    expect(auditCheckpointKeyring(loadEnv({})).size).toBe(0);
  });
});
