import { badUserInput } from './errors';

/** The largest page any connection returns; part of the schema's documented contract. */
export const MAX_PAGE_SIZE = 100;

export function pageSize(first: number | null | undefined, fallback = 20): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE_SIZE) {
    throw badUserInput(`first must be an integer from 0 to ${MAX_PAGE_SIZE}; got ${first}`, { argument: 'first', max: MAX_PAGE_SIZE });
  }
  return size;
}

/**
 * A cursor is the sort key of the row it points at, tagged with the order it
 * belongs to, so a cursor from one order is refused by another instead of
 * silently skipping rows. Base64url keeps it opaque and URL-safe.
 */
export type CursorValue = string | number;

export function encodeCursor(order: string, key: CursorValue[]): string {
  return Buffer.from(JSON.stringify([order, ...key])).toString('base64url');
}

export function invalidCursor() {
  return badUserInput('after is not a valid cursor for this connection and order', { argument: 'after' });
}

export function decodeCursor(cursor: string, order: string, shape: Array<'string' | 'number'>): CursorValue[] {
  const invalid = invalidCursor;
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length + 1 || parsed[0] !== order) throw invalid();
  const key = parsed.slice(1);
  key.forEach((value, i) => {
    if (typeof value !== shape[i] || (typeof value === 'number' && !Number.isFinite(value))) throw invalid();
  });
  return key as CursorValue[];
}

export interface Page<T> {
  edges: Array<{ cursor: string; node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Builds a page from rows fetched with LIMIT size + 1: the extra row only says whether more follow. */
export function toPage<T>(rows: T[], size: number, cursorOf: (row: T) => string): Page<T> {
  const nodes = rows.slice(0, size);
  const edges = nodes.map((node) => ({ cursor: cursorOf(node), node }));
  return {
    edges,
    pageInfo: { hasNextPage: rows.length > size, endCursor: edges.length ? edges[edges.length - 1].cursor : null },
  };
}

/** A page plus a deferred count: COUNT(*) runs only when a client asks for totalCount. */
export interface Connection<T> extends Page<T> {
  totalCount(): Promise<number>;
}
