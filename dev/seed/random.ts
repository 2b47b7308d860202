/**
 * Seeded PRNG (sfc32, seeded through a splitmix-style mixer) for reproducible demo data:
 * the same seed yields the same sequence on every platform, which
 * Math.random cannot promise. Not for secrets.
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const CROCKFORD_CODES = Array.from('0123456789ABCDEFGHJKMNPQRSTVWXYZ', (c) => c.charCodeAt(0));
// Scratch space for ulid(): one string allocation per id instead of 26.
const ULID_CODES = new Array<number>(26).fill(0);

export type WeightedPairs<T> = ReadonlyArray<readonly [T, number]>;

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // A splitmix-style mixer spreads a small integer seed over the 128-bit state, so
    // seeds 1 and 2 do not start out correlated.
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    // The first outputs of sfc32 still echo the seed; discard them.
    for (let i = 0; i < 12; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.float() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick() from an empty array');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** One value, with probability proportional to its weight. */
  weighted<T>(pairs: WeightedPairs<T>): T {
    let total = 0;
    for (const [, weight] of pairs) total += weight;
    if (!(total > 0)) throw new Error('weighted() needs a positive total weight');
    let r = this.float() * total;
    for (const [value, weight] of pairs) {
      r -= weight;
      if (r < 0) return value;
    }
    // Float rounding can leave r a hair above zero after the last pair.
    return pairs[pairs.length - 1]![0];
  }

  /** Standard normal (Box-Muller); 1 - float() keeps log() away from 0. */
  normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.float())) * Math.cos(2 * Math.PI * this.float());
  }

  /** `bytes` random bytes as lowercase hex. */
  hex(bytes: number): string {
    let out = '';
    let word = 0;
    for (let i = 0; i < bytes; i++) {
      if (i % 4 === 0) word = this.uint32();
      out += HEX[word & 0xff];
      word >>>= 8;
    }
    return out;
  }

  /** A UUID v4-shaped id drawn from this generator, so ids repeat with the seed. */
  uuid(): string {
    const w0 = this.uint32();
    const w1 = this.uint32();
    const w2 = this.uint32();
    const w3 = this.uint32();
    // Version nibble 4 and RFC 4122 variant bits 10xx, as crypto.randomUUID() sets them.
    const h1 = hex32((w1 & 0xffff0fff) | 0x00004000);
    const h2 = hex32(((w2 & 0x3fffffff) | 0x80000000) >>> 0);
    return `${hex32(w0)}-${h1.slice(0, 4)}-${h1.slice(4)}-${h2.slice(0, 4)}-${h2.slice(4)}${hex32(w3)}`;
  }

  /**
   * A UUID v7 (RFC 9562): 48-bit Unix-ms time, then random bits from this
   * generator. Time-ordered keys land on the right edge of a B-tree instead
   * of all over it, which makes bulk inserts into an indexed table far cheaper.
   */
  uuidV7(timeMs: number): string {
    const t = Math.floor(timeMs);
    const h0 = hex32(Math.floor(t / 65536));
    // Low 16 time bits, version 7, 12 random bits; then variant 10 and 62 random bits.
    const h1 = hex32((((t % 65536) << 16) | (this.uint32() & 0x0fff) | 0x7000) >>> 0);
    const h2 = hex32(((this.uint32() & 0x3fffffff) | 0x80000000) >>> 0);
    const h3 = hex32(this.uint32());
    return `${h0}-${h1.slice(0, 4)}-${h1.slice(4)}-${h2.slice(0, 4)}-${h2.slice(4)}${h3}`;
  }

  /**
   * A ULID-shaped string (26 Crockford base32 chars): 48-bit time, then 80
   * random bits. Sorts by time like the ids real clients send.
   */
  ulid(timeMs: number): string {
    const codes = ULID_CODES;
    let t = Math.floor(timeMs);
    for (let i = 9; i >= 0; i--) {
      codes[i] = CROCKFORD_CODES[t % 32]!;
      t = Math.floor(t / 32);
    }
    for (let i = 10; i < 26; i += 4) {
      // 20 bits per word: four characters.
      let word = this.uint32() >>> 12;
      for (let j = 0; j < 4; j++) {
        codes[i + j] = CROCKFORD_CODES[word & 31]!;
        word >>>= 5;
      }
    }
    return String.fromCharCode(...codes);
  }
}

function hex32(word: number): string {
  return HEX[word >>> 24]! + HEX[(word >>> 16) & 0xff]! + HEX[(word >>> 8) & 0xff]! + HEX[word & 0xff]!;
}
