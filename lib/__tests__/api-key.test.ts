import { apiKeyMatches, apiKeyPrefix, generateApiKey, hashApiKey } from '../api-key';

describe('API keys', () => {
  it('carry a prefix that names their environment', () => {
    expect(generateApiKey('SANDBOX').key).toMatch(/^mai_test_[0-9a-z]{12}_[0-9A-Za-z]{40}$/);
    expect(generateApiKey('PRODUCTION').key).toMatch(/^mai_live_[0-9a-z]{12}_[0-9A-Za-z]{40}$/);
  });

  it('store only a hash, from which the key cannot be read back', () => {
    const { key, prefix, secretHash } = generateApiKey('PRODUCTION');
    expect(secretHash).toBe(hashApiKey(key));
    expect(secretHash).not.toContain(key.slice(prefix.length + 1));
    expect(key.startsWith(prefix + '_')).toBe(true);
  });

  it('match their own hash and no other', () => {
    const a = generateApiKey('SANDBOX');
    const b = generateApiKey('SANDBOX');
    expect(apiKeyMatches(a.key, a.secretHash)).toBe(true);
    expect(apiKeyMatches(a.key, b.secretHash)).toBe(false);
    expect(apiKeyMatches(a.key.slice(0, -1) + (a.key.endsWith('A') ? 'B' : 'A'), a.secretHash)).toBe(false);
  });

  it('yield their lookup prefix only when well formed', () => {
    const { key, prefix } = generateApiKey('SANDBOX');
    expect(apiKeyPrefix(key)).toBe(prefix);
    for (const bad of ['', 'mai_test_short_x', `${prefix}_tooShort`, `sk_live_${key.slice(9)}`, `${key}x`]) {
      expect(apiKeyPrefix(bad)).toBeNull();
    }
  });

  it('are unique', () => {
    const keys = new Set(Array.from({ length: 500 }, () => generateApiKey('SANDBOX').prefix));
    expect(keys.size).toBe(500);
  });
});
