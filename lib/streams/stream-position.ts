import { badUserInput } from '../errors';

/**
 * A place in the outbox's commit order: the writing transaction's id and
 * the row's sequence within it. Carried to clients as an opaque cursor;
 * unsigned, because it only says where a caller's own stream resumes, and
 * every read under it is scoped to the caller's tenant.
 */
export interface StreamPosition {
  tx: bigint;
  seq: bigint;
}

const CURSOR = /^sc1\.(\d{1,20})\.(\d{1,20})$/;

export function encodeStreamCursor(position: StreamPosition): string {
  return `sc1.${position.tx}.${position.seq}`;
}

/** BAD_USER_INPUT for anything that is not a stream cursor, naming the argument. */
export function decodeStreamCursor(cursor: string): StreamPosition {
  const match = CURSOR.exec(cursor);
  if (!match) throw badUserInput('after is not a stream cursor (an event\'s extensions.cursor or a decision\'s streamCursor)', { argument: 'after' });
  return { tx: BigInt(match[1]!), seq: BigInt(match[2]!) };
}

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  return a.tx > b.tx || (a.tx === b.tx && a.seq > b.seq);
}
