/** A decision as its writer answered it: its id, and its place in the stream. */
export interface Made {
  id: string;
  streamCursor: string;
}

/** A cursor's (commit number, sequence), parsed here rather than by the gateway's code under test. */
function position(cursor: string): [bigint, bigint] {
  const [, tx, seq] = cursor.split('.');
  return [BigInt(tx!), BigInt(seq!)];
}

/** Decisions sorted by their cursors: the order a stream must deliver them in, whatever order they were made in. */
export function inCommitOrder(made: readonly Made[]): Made[] {
  return [...made].sort((x, y) => {
    const [[xt, xs], [yt, ys]] = [position(x.streamCursor), position(y.streamCursor)];
    const d = xt !== yt ? xt - yt : xs - ys;
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  });
}
