import { canonicalJson } from '../../../../lib/canonical-json';
import { Random } from '../../../../dev/seed/random';
import { DecisionInputError, DEFAULT_INPUT_LIMITS, validateDecisionInput } from '../input';
import type { JsonValue } from '../json';
import { shuffleKeys } from './helpers';

function errorOf(input: unknown, opts?: Parameters<typeof validateDecisionInput>[1]): DecisionInputError {
  try {
    validateDecisionInput(input, opts);
  } catch (error) {
    if (error instanceof DecisionInputError) return error;
    throw error;
  }
  throw new Error('validateDecisionInput accepted the input');
}

const canonicalBytes = (value: unknown): number => Buffer.byteLength(canonicalJson(value), 'utf8');

/** An object nested `levels` deep, counting itself: nested(1) is {}. */
function nested(levels: number): Record<string, JsonValue> {
  let value: Record<string, JsonValue> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

describe('validateDecisionInput', () => {
  it('returns a valid input as it is', () => {
    const input = { riskScore: 42, country: 'GB', vpn: false, note: null, tags: ['a', 1, true, null], device: { ageDays: 3, os: { name: 'ios' } } };
    expect(validateDecisionInput(input)).toBe(input);
    expect(validateDecisionInput({})).toEqual({});
  });

  it('has the documented default limits', () => {
    expect(DEFAULT_INPUT_LIMITS).toEqual({ maxBytes: 16_384, maxDepth: 5, maxKeys: 200 });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [1]],
    ['a string', '{"a":1}'],
    ['a Date', new Date(0)],
    ['a Map', new Map()],
  ])('refuses %s as the input', (_name, input) => {
    expect(errorOf(input).path).toBe('');
    expect(errorOf(input).message).toMatch(/^input: expected a JSON object, got /);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['NaN', { a: { b: NaN } }, 'a.b: NaN is not a JSON number'],
    ['Infinity', { amount: Infinity }, 'amount: Infinity is not a JSON number'],
    ['-Infinity in an array', { xs: [1, -Infinity] }, 'xs[1]: array items must be strings, finite numbers, booleans or null, got -Infinity'],
    ['undefined', { a: undefined }, 'a: expected a string, number, boolean, null, array or object, got undefined'],
    ['a function', { f: () => 1 }, 'f: expected a string, number, boolean, null, array or object, got a function'],
    ['a bigint', { n: 1n }, 'n: expected a string, number, boolean, null, array or object, got a bigint'],
    ['a Date', { at: new Date(0) }, 'at: expected a string, number, boolean, null, array or object, got an object'],
    ['an object in an array', { items: [1, { a: 1 }] }, 'items[1]: array items must be strings, finite numbers, booleans or null, got an object'],
    ['an array in an array', { m: [[1]] }, 'm[0]: array items must be strings, finite numbers, booleans or null, got an array'],
    ['a hole in an array', { xs: [1, , 3] }, 'xs[1]: array items must be strings, finite numbers, booleans or null, got undefined'],
    ['a dotted attribute name', { device: { 'age.days': 1 } }, 'device: attribute name "age.days" must be non-empty and contain no "."'],
    ['an empty attribute name', { '': 1 }, 'input: attribute name "" must be non-empty and contain no "."'],
  ])('refuses %s, naming its path', (_name, input, message) => {
    expect(errorOf(input).message).toBe(message);
  });

  it(`allows ${DEFAULT_INPUT_LIMITS.maxDepth} levels of nesting and refuses more`, () => {
    expect(() => validateDecisionInput(nested(5))).not.toThrow();
    expect(errorOf(nested(6)).message).toBe('a.a.a.a.a: nested deeper than 5 levels');
    expect(errorOf({ a: { b: { c: { d: [] } } } }, { maxDepth: 4 }).message).toBe('a.b.c.d: nested deeper than 4 levels');
  });

  it(`allows ${DEFAULT_INPUT_LIMITS.maxKeys} attributes in total and refuses more`, () => {
    const flat = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(() => validateDecisionInput(flat(200))).not.toThrow();
    expect(errorOf(flat(201)).message).toBe('input: more than 200 attributes in total');
    // 150 top-level names plus a nested object of 51: nested names count too.
    expect(errorOf({ ...flat(150), nested: flat(50) }).message).toBe('nested: more than 200 attributes in total');
  });

  it('measures size as the UTF-8 bytes of the canonical JSON', () => {
    const input = { z: 'é€😀', a: [1.5, -0, null, 'line\nbreak', '"quoted"'], m: { y: true, b: '\u0001' } };
    const size = canonicalBytes(input);
    expect(() => validateDecisionInput(input, { maxBytes: size })).not.toThrow();
    expect(errorOf(input, { maxBytes: size - 1 }).problem).toBe(`input exceeds ${size - 1} bytes of canonical JSON`);
  });

  it('allows exactly 16 KB by default and refuses one byte more', () => {
    // {"s":"…"} is the string plus 8 bytes.
    const fits = { s: 'x'.repeat(16_384 - 8) };
    expect(canonicalBytes(fits)).toBe(16_384);
    expect(() => validateDecisionInput(fits)).not.toThrow();
    expect(errorOf({ s: 'x'.repeat(16_384 - 7) }).message).toBe('s: input exceeds 16384 bytes of canonical JSON');
  });

  it('stops at the first problem, so an oversized input is refused for its size wherever else it is wrong', () => {
    const items: JsonValue[] = Array.from({ length: 1_000 }, () => 'x'.repeat(100));
    const error = errorOf({ list: [...items, NaN] });
    // 1,011 bytes of punctuation ({"list":[ … ] and 1,000 commas), then 102 per item: item 150 crosses 16,384.
    expect(error.path).toBe('list[150]');
    expect(error.problem).toBe('input exceeds 16384 bytes of canonical JSON');
    expect(errorOf({ list: Array.from({ length: 100_000 }, () => 1) }).path).toBe('list');
  });

  it('reports the same error whatever the order of the keys', () => {
    const input: Record<string, JsonValue> = {
      b: 1,
      a: { z: 'ok', m: { 'bad.name': 1 }, c: 2 },
      y: { 'also.bad': 1 },
    };
    const expected = errorOf(input).message;
    expect(expected).toBe('a.m: attribute name "bad.name" must be non-empty and contain no "."');
    const rng = new Random(3);
    for (let i = 0; i < 20; i++) expect(errorOf(shuffleKeys(input, rng)).message).toBe(expected);
  });
});
