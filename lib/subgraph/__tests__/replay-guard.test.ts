import { randomBytes } from 'node:crypto';
import { DEFAULT_REPLAY_GUARD_CAPACITY, ReplayGuard } from '../replay-guard';

const NOW = 1_000_000;

describe('the replay guard', () => {
  it('lets an id through once and refuses it while it could still be accepted', () => {
    const guard = new ReplayGuard(10);
    expect(guard.admit('a', NOW + 100, NOW)).toBe('fresh');
    expect(guard.admit('a', NOW + 100, NOW + 50)).toBe('replayed');
    expect(guard.admit('a', NOW + 100, NOW + 100)).toBe('replayed');
    expect(guard.admit('b', NOW + 100, NOW + 100)).toBe('fresh');
  });

  it('forgets ids once they expire, so its size follows the traffic of the last few seconds', () => {
    const guard = new ReplayGuard(1000);
    for (let i = 0; i < 500; i++) guard.admit(`id${i}`, NOW + i, NOW);
    expect(guard.size).toBe(500);
    guard.admit('late', NOW + 10_000, NOW + 250);
    expect(guard.size).toBe(500 - 250 + 1);
    guard.admit('later', NOW + 10_000, NOW + 5_000);
    expect(guard.size).toBe(2);
  });

  it('never forgets a live id early, even when ids arrive out of expiry order (gateways with skewed clocks)', () => {
    const guard = new ReplayGuard(100);
    guard.admit('slow-clock', NOW + 1000, NOW);
    guard.admit('fast-clock', NOW + 200, NOW);
    guard.admit('next', NOW + 1000, NOW + 500);
    expect(guard.admit('slow-clock', NOW + 1000, NOW + 600)).toBe('replayed');
  });

  it('refuses new ids when full, keeps every live one, and never grows past its cap under a flood', () => {
    const guard = new ReplayGuard(1000);
    const outcomes = { fresh: 0, replayed: 0, full: 0 };
    for (let i = 0; i < 100_000; i++) outcomes[guard.admit(`flood${i}`, NOW + 10_000, NOW + (i % 100))]++;
    expect(outcomes).toEqual({ fresh: 1000, replayed: 0, full: 99_000 });
    expect(guard.size).toBe(1000);
    expect(guard.admit('flood0', NOW + 10_000, NOW + 200)).toBe('replayed');
    expect(guard.admit('new', NOW + 20_000, NOW + 10_001)).toBe('fresh');
    expect(guard.size).toBe(1);
  });

  it(`holds its default ${DEFAULT_REPLAY_GUARD_CAPACITY.toLocaleString('en')} ids in bounded memory`, () => {
    const guard = new ReplayGuard();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < DEFAULT_REPLAY_GUARD_CAPACITY + 10_000; i++) guard.admit(randomBytes(16).toString('base64url'), NOW + 12_000, NOW);
    const grown = process.memoryUsage().heapUsed - before;
    expect(guard.size).toBe(DEFAULT_REPLAY_GUARD_CAPACITY);
    // About 100 bytes an id (a 22-character string and a Map slot); far below this bound.
    expect(grown).toBeLessThan(80 * 1024 * 1024);
  });

  it('refuses a capacity that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => new ReplayGuard(bad)).toThrow(RangeError);
  });
});
