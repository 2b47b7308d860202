import { badUserInput } from '../errors';

/**
 * A place in the outbox's commit order: the writing transaction's number in
 * stream_commits (given at commit, in commit order) and the row's sequence
 * within it. Carried to clients as an opaque cursor;
 * unsigned, because it only says where a caller's own stream resumes, and
 * every read under it is scoped to the caller's tenant.
 */
export interface StreamPosition {
  commit: bigint;
  seq: bigint;
}

export const MAX_BIGINT = 9_223_372_036_854_775_807n;

const CURSOR = /^sc2\.(\d{1,19})\.(\d{1,19})$/;

export function encodeStreamCursor(position: StreamPosition): string {
  return `sc2.${position.commit}.${position.seq}`;
}

/** BAD_USER_INPUT for anything that is not a stream cursor, naming the argument. */
export function decodeStreamCursor(cursor: string): StreamPosition {
  const match = CURSOR.exec(cursor);
  if (!match) throw badUserInput('after is not a stream cursor (an event\'s extensions.cursor or a decision\'s streamCursor)', { argument: 'after' });
  const position = { commit: BigInt(match[1]!), seq: BigInt(match[2]!) };
  // bigint columns: a larger number could never have been issued, and PostgreSQL would refuse it.
  if (position.commit > MAX_BIGINT || position.seq > MAX_BIGINT) throw badUserInput('after is not a stream cursor (its numbers are out of range)', { argument: 'after' });
  return position;
}

export function isAfter(a: StreamPosition, b: StreamPosition): boolean {
  return a.commit > b.commit || (a.commit === b.commit && a.seq > b.seq);
}
