import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyEnvironment } from './vocabulary';

export type { KeyEnvironment } from './vocabulary';

/** What a key starts with tells at a glance where it works (and secret scanners can match it). */
const ENV_TAG: Record<KeyEnvironment, string> = { SANDBOX: 'mai_test_', PRODUCTION: 'mai_live_' };

// mai_live_<12 id chars>_<40 secret chars>: the id part is the lookup key
// stored in clear (and shown in lists); only the hash of the whole key is stored.
const KEY_FORMAT = /^(mai_(?:test|live)_[0-9a-z]{12})_([0-9A-Za-z]{40})$/;
const ALPHABET_LOWER = '0123456789abcdefghijklmnopqrstuvwxyz';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function randomString(length: number, alphabet: string): string {
  // Rejection sampling keeps every character uniform.
  const limit = 256 - (256 % alphabet.length);
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < limit && out.length < length) out += alphabet[byte % alphabet.length];
    }
  }
  return out;
}

export interface NewApiKey {
  /** The whole key: shown once, never stored. */
  key: string;
  /** The visible, unique part of the key, stored in clear for lookup. */
  prefix: string;
  /** SHA-256 of the whole key, hex. */
  secretHash: string;
}

/**
 * A fresh key. Its secret has 238 bits of entropy, so a fast hash is the
 * right storage: nothing can be brute-forced, and checking a key stays cheap
 * on the hot path (a slow password hash would cost milliseconds per request).
 */
export function generateApiKey(environment: KeyEnvironment): NewApiKey {
  const prefix = ENV_TAG[environment] + randomString(12, ALPHABET_LOWER);
  const key = `${prefix}_${randomString(40, ALPHABET)}`;
  return { key, prefix, secretHash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The lookup prefix of a well-formed key, or null. */
export function apiKeyPrefix(key: string): string | null {
  return KEY_FORMAT.exec(key)?.[1] ?? null;
}

export function apiKeyMatches(key: string, secretHash: string): boolean {
  const given = Buffer.from(hashApiKey(key), 'hex');
  const stored = Buffer.from(secretHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}
