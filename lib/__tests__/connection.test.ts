import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import type { GraphQLError } from 'graphql';
import { bindingKey, CursorCodec, slice, type CursorField } from '../connection';

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters';
const codec = CursorCodec.forSubgraph(SECRET, 'decisions');
const SHAPE: CursorField[] = ['timestamp', 'uuid'];
const ID = '0195c6a8-1f2e-7c3d-8e4f-a1b2c3d4e5f6';
const binding = bindingKey({ field: 'Query.decisions', order: 'CREATED_AT_DESC', filter: { feature: 'kyc.adaptive' }, scope: null });

function refusal(run: () => unknown): GraphQLError {
  try {
    run();
  } catch (error) {
    return error as GraphQLError;
  }
  throw new Error('expected a refusal');
}

describe('cursors', () => {
  it('round-trip their key, short and URL-safe', () => {
    const at = new Date('2026-11-01T09:30:00.123Z');
    const cursor = codec.encode(binding, SHAPE, [at, ID]);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]{55}$/);
    expect(codec.decode(cursor, binding, SHAPE, 'after')).toEqual([at, ID]);
  });

  it('open in another process with the same secret, and in none with another', () => {
    const cursor = codec.encode(binding, SHAPE, [new Date(0), ID]);
    expect(CursorCodec.forSubgraph(SECRET, 'decisions').decode(cursor, binding, SHAPE, 'before')[1]).toBe(ID);
    const other = refusal(() => CursorCodec.forSubgraph(SECRET + '!', 'decisions').decode(cursor, binding, SHAPE, 'before'));
    expect(other.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'before' });
  });

  it('open only in the subgraph that minted them: another subgraph with the same secret refuses them', () => {
    const cursor = codec.encode(binding, SHAPE, [new Date(0), ID]);
    for (const other of ['audit', 'packages', 'tenants', 'decisions ', '']) {
      expect(refusal(() => CursorCodec.forSubgraph(SECRET, other).decode(cursor, binding, SHAPE, 'after')).extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('are signed with a key of their own, not with the cursor secret itself', () => {
    // A MAC made with the raw secret must not pass for a cursor: the key is derived per subgraph.
    const payload = Buffer.concat([Buffer.alloc(8), Buffer.from(ID.replace(/-/g, ''), 'hex')]);
    const mac = createHmac('sha256', SECRET).update(Buffer.of(1)).update(binding).update('\0').update(payload).digest().subarray(0, 16);
    const forged = Buffer.concat([Buffer.of(1), mac, payload]).toString('base64url');
    expect(refusal(() => codec.decode(forged, binding, SHAPE, 'after')).extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('belong to one binding: field, parent, order, filter and scope each count', () => {
    const cursor = codec.encode(binding, SHAPE, [new Date(0), ID]);
    const others = [
      { field: 'Query.auditEvents', order: 'CREATED_AT_DESC', filter: { feature: 'kyc.adaptive' }, scope: null },
      { field: 'Query.decisions', parent: 'x', order: 'CREATED_AT_DESC', filter: { feature: 'kyc.adaptive' }, scope: null },
      { field: 'Query.decisions', order: 'CREATED_AT_ASC', filter: { feature: 'kyc.adaptive' }, scope: null },
      { field: 'Query.decisions', order: 'CREATED_AT_DESC', filter: { feature: 'kyc.other' }, scope: null },
      { field: 'Query.decisions', order: 'CREATED_AT_DESC', filter: { feature: 'kyc.adaptive' }, scope: ID },
    ];
    for (const other of others) expect(() => codec.decode(cursor, bindingKey(other), SHAPE, 'after')).toThrow(/not a cursor of this connection/);
  });

  it('bind a filter by meaning, not by spelling: key order and explicit nulls do not count', () => {
    const a = bindingKey({ field: 'F', order: 'O', filter: { outcome: ['APPROVE'], feature: 'kyc.adaptive', tenantId: null }, scope: null });
    const b = bindingKey({ field: 'F', order: 'O', filter: { feature: 'kyc.adaptive', outcome: ['APPROVE'] }, scope: null });
    expect(a).toBe(b);
    const at = new Date('2026-10-01T00:00:00Z');
    expect(bindingKey({ field: 'F', order: 'O', filter: { createdAfter: at }, scope: null })).toBe(
      bindingKey({ field: 'F', order: 'O', filter: { createdAfter: new Date('2026-10-01T02:00:00+02:00') }, scope: null }),
    );
    // An empty list matches nothing and an absent one everything: those must not share cursors.
    expect(bindingKey({ field: 'F', order: 'O', filter: { outcome: [] }, scope: null })).not.toBe(bindingKey({ field: 'F', order: 'O', filter: {}, scope: null }));
  });

  it('refuse every single-character change, the spare bits of the last character included', () => {
    const cursor = codec.encode(binding, SHAPE, [new Date('2026-11-01T00:00:00Z'), ID]);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    for (let i = 0; i < cursor.length; i++) {
      for (const c of [alphabet[(alphabet.indexOf(cursor[i]!) + 1) % 64]!, alphabet[(alphabet.indexOf(cursor[i]!) ^ 1)]!]) {
        const tampered = cursor.slice(0, i) + c + cursor.slice(i + 1);
        expect(refusal(() => codec.decode(tampered, binding, SHAPE, 'after')).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
      }
    }
    expect(() => codec.decode(cursor + 'A', binding, SHAPE, 'after')).toThrow();
    expect(() => codec.decode(cursor.slice(0, -1), binding, SHAPE, 'after')).toThrow();
  });

  it('refuse values out of range even under a valid MAC: year 0, past 9999, NaN, infinity, a NUL in text', () => {
    const bad: Array<[CursorField[], unknown[]]> = [
      [SHAPE, [new Date('0000-06-01T00:00:00.000Z'), ID]],
      [SHAPE, [new Date('+275760-09-13T00:00:00.000Z'), ID]],
      [SHAPE, [new Date('+010000-01-01T00:00:00.000Z'), ID]],
      [SHAPE, [new Date(NaN), ID]],
      [['number', 'uuid'], [Infinity, ID]],
      [['text', 'uuid'], ['nul\0byte', ID]],
    ];
    for (const [shape, values] of bad) {
      const minted = codec.encode(binding, shape, values as never);
      expect(refusal(() => codec.decode(minted, binding, shape, 'after')).extensions?.code).toBe('BAD_USER_INPUT');
    }
  });

  it('refuse the old unsigned format and arbitrary strings as bad input, never a crash', () => {
    const old = Buffer.from(JSON.stringify(['CREATED_AT_DESC', '0000-01-01T00:00:00.000Z', ID])).toString('base64url');
    expect(refusal(() => codec.decode(old, binding, SHAPE, 'after')).extensions?.code).toBe('BAD_USER_INPUT');
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.base64String(), fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64url'))), (text) => {
        expect(refusal(() => codec.decode(text, binding, SHAPE, 'after')).extensions?.code).toBe('BAD_USER_INPUT');
      }),
    );
  });
});

describe('slices', () => {
  it('default to the first 20, page backwards with last, and refuse first with last', () => {
    expect(slice({})).toEqual({ direction: 'forward', size: 20 });
    expect(slice({ first: null, last: 5 })).toEqual({ direction: 'backward', size: 5 });
    expect(refusal(() => slice({ first: 1, last: 1 })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'last' });
    expect(refusal(() => slice({ last: 101 })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'last' });
    expect(refusal(() => slice({ first: -1 })).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'first' });
  });
});
