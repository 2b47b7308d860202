import { generateKeyPairSync } from 'node:crypto';
import { configuredKeyPair, loadEnv, requireCursorSecret, requireInternalPrivateKey, requireInternalPublicKey } from '../env';
import { decodeKeyPair, decodePrivateKey, decodePublicKey, encodeKeyPair, generateInternalKeyPair } from '../internal-keys';

const pair = encodeKeyPair(generateInternalKeyPair());

describe('the internal key pair', () => {
  it('round-trips through its one-line form, and reads PEM too', () => {
    const decoded = decodeKeyPair(pair);
    expect(encodeKeyPair(decoded)).toEqual(pair);
    const pem = decoded.publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(decodePublicKey(pem).equals(decoded.publicKey)).toBe(true);
    expect(decodePrivateKey(decoded.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()).equals(decoded.privateKey)).toBe(true);
  });

  it('refuses keys that are not Ed25519, garbage, and a private key where the public one belongs, never echoing the key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const rsaPublic = rsa.publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
    expect(() => decodePublicKey(rsaPublic)).toThrow(/not Ed25519/);
    expect(() => decodePrivateKey(rsa.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'))).toThrow(/not Ed25519/);
    expect(() => decodePublicKey('not a key at all')).toThrow(/not an Ed25519 public key/);
    expect(() => decodePublicKey(pair.privateKey)).toThrow(/not an Ed25519 public key/);
    expect(() => decodePublicKey(decodeKeyPair(pair).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())).toThrow(/private key/);
    expect(() => decodePrivateKey(pair.publicKey)).toThrow(/not an Ed25519 private key/);
    try {
      decodePublicKey(pair.privateKey);
    } catch (error) {
      expect((error as Error).message).not.toContain(pair.privateKey.slice(-20));
    }
  });
});

describe('the environment', () => {
  it('names the variable holding a bad key, without the key', () => {
    expect(() => loadEnv({ INTERNAL_AUTH_PUBLIC_KEY: pair.privateKey })).toThrow(/INTERNAL_AUTH_PUBLIC_KEY: .*not an Ed25519 public key/);
    expect(() => loadEnv({ INTERNAL_AUTH_PRIVATE_KEY: 'abc' })).toThrow(/INTERNAL_AUTH_PRIVATE_KEY/);
    // A public key where the private one belongs: refused, and the refusal does not repeat it.
    // (Compared as text: a key's base64 holds + and /, which a RegExp would read as syntax.)
    let refusal = '';
    try {
      loadEnv({ INTERNAL_AUTH_PRIVATE_KEY: pair.publicKey });
    } catch (error) {
      refusal = (error as Error).message;
    }
    expect(refusal).toMatch(/INTERNAL_AUTH_PRIVATE_KEY/);
    expect(refusal).not.toContain(pair.publicKey.slice(-20));
    expect(() => loadEnv({ CURSOR_SECRET: 'short' })).toThrow(/CURSOR_SECRET/);
  });

  it('gives a subgraph only the public key: one that also holds the private key refuses to start', () => {
    expect(requireInternalPublicKey(loadEnv({ INTERNAL_AUTH_PUBLIC_KEY: pair.publicKey })).type).toBe('public');
    expect(() => requireInternalPublicKey(loadEnv({ INTERNAL_AUTH_PUBLIC_KEY: pair.publicKey, INTERNAL_AUTH_PRIVATE_KEY: pair.privateKey }))).toThrow(/only the gateway/);
    expect(() => requireInternalPublicKey(loadEnv({}))).toThrow(/INTERNAL_AUTH_PUBLIC_KEY is required/);
    expect(() => requireCursorSecret(loadEnv({}))).toThrow(/CURSOR_SECRET is required/);
  });

  it('gives the gateway the private key, and npm start both halves or neither', () => {
    expect(requireInternalPrivateKey(loadEnv({ INTERNAL_AUTH_PRIVATE_KEY: pair.privateKey })).type).toBe('private');
    expect(() => requireInternalPrivateKey(loadEnv({}))).toThrow(/INTERNAL_AUTH_PRIVATE_KEY is required/);
    expect(configuredKeyPair(loadEnv({}))).toBeNull();
    expect(configuredKeyPair(loadEnv({ INTERNAL_AUTH_PRIVATE_KEY: pair.privateKey, INTERNAL_AUTH_PUBLIC_KEY: pair.publicKey }))).not.toBeNull();
    expect(() => configuredKeyPair(loadEnv({ INTERNAL_AUTH_PUBLIC_KEY: pair.publicKey }))).toThrow(/both/);
  });
});
