/** The shared test database's demo data: fixed, so every run sees the same rows. */
export const SEED = {
  decisions: 3_000,
  seed: 7,
  now: new Date('2026-11-01T00:00:00.000Z'),
} as const;
