import { Prisma, type PrismaClient } from '@prisma/client';
import { canonicalJson } from './canonical-json';
import {
  bindingKey,
  slice as sliceOf,
  toPage,
  type Connection,
  type CursorBinding,
  type CursorCodec,
  type CursorField,
  type CursorValue,
  type LazyFlag,
  type Slice,
  type SliceArgs,
} from './connection';
import { isUuid } from './ids';

/**
 * One total order of a connection: a sort column plus the id as tie-breaker.
 * Pages continue with a row comparison `(col, id) < (v, id)`, which
 * PostgreSQL answers from a (col, id) index however deep the page, and which
 * keeps pages stable while rows are inserted (unlike OFFSET). Paging
 * backwards flips the comparison and the ORDER BY, so it walks the same index
 * the other way.
 */
export interface SortOrder<Row> {
  /** The GraphQL enum value; cursors are bound to it. */
  readonly name: string;
  readonly column: string;
  readonly direction: 'ASC' | 'DESC';
  readonly kind: 'timestamp' | 'number' | 'text';
  /** The row's value in that column. */
  value(row: Row): Date | number | string;
}

export function sortOrder<Row>(order: SortOrder<Row>): SortOrder<Row> {
  return order;
}

type Reading = Slice['direction'];

function orderBySql(order: SortOrder<unknown>, reading: Reading): Prisma.Sql {
  const forward = order.direction;
  const dir = Prisma.raw(reading === 'forward' ? forward : forward === 'ASC' ? 'DESC' : 'ASC');
  return Prisma.sql`ORDER BY ${Prisma.raw(order.column)} ${dir}, id ${dir}`;
}

/** Where a row sits against a cursor's position, in the connection's order. */
type Relation = 'after' | 'before' | 'atOrBefore' | 'atOrAfter';

function comparisonSql(order: SortOrder<unknown>, relation: Relation, [value, id]: CursorValue[]): Prisma.Sql {
  const descending = order.direction === 'DESC';
  const op = { after: descending ? '<' : '>', before: descending ? '>' : '<', atOrBefore: descending ? '>=' : '<=', atOrAfter: descending ? '<=' : '>=' }[relation];
  const cast = { timestamp: '::timestamptz', number: '::float8', text: '::text' }[order.kind];
  return Prisma.sql`(${Prisma.raw(order.column)}, id) ${Prisma.raw(op)} (${value}${Prisma.raw(cast)}, ${id}::uuid)`;
}

function cursorShape(order: SortOrder<unknown>): CursorField[] {
  return [order.kind, 'uuid'];
}

export function whereSql(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

/**
 * A validated list request. Building one checks every argument, so a bad
 * page size or a cursor from another connection fails with BAD_USER_INPUT
 * before any SQL runs.
 */
export interface ListQuery<Row> {
  /** Filter conditions, the caller's tenant scope included; no cursor. */
  readonly conditions: Prisma.Sql[];
  /** The `after`/`before` conditions. */
  readonly bounds: Prisma.Sql[];
  /**
   * Rows behind the page's starting cursor, against the reading direction
   * (at or before `after` when reading forwards, at or after `before`
   * backwards); null when the page starts at an end of the list.
   */
  readonly behind: Prisma.Sql | null;
  readonly order: SortOrder<Row>;
  readonly slice: Slice;
  /** Identifies queries that read the same rows for every parent, so loaders can batch them. */
  readonly key: string;
  /** The cursor of a row in this connection. */
  cursorOf(row: Row): string;
}

export function listQuery<Row extends { id: string }>(args: {
  slice: SliceArgs;
  order: SortOrder<Row>;
  conditions: Prisma.Sql[];
  /** The connection the cursors belong to, less the order (taken from `order`). */
  binding: Omit<CursorBinding, 'order'>;
  cursors: CursorCodec;
}): ListQuery<Row> {
  const { order, cursors } = args;
  const slice = sliceOf(args.slice);
  const binding = bindingKey({ ...args.binding, order: order.name });
  const shape = cursorShape(order);
  const after = args.slice.after != null ? cursors.decode(args.slice.after, binding, shape, 'after') : null;
  const before = args.slice.before != null ? cursors.decode(args.slice.before, binding, shape, 'before') : null;
  const bounds = [...(after ? [comparisonSql(order, 'after', after)] : []), ...(before ? [comparisonSql(order, 'before', before)] : [])];
  const start = slice.direction === 'forward' ? after : before;
  return {
    conditions: args.conditions,
    bounds,
    behind: start && comparisonSql(order, slice.direction === 'forward' ? 'atOrBefore' : 'atOrAfter', start),
    order,
    slice,
    // Everything that shapes the SQL, and nothing of the parent: one parent's
    // question is every parent's, so a loader can answer all in one statement.
    key: canonicalJson([slice.direction, slice.size, args.slice.after ?? null, args.slice.before ?? null, bindingKey({ ...args.binding, parent: null, order: order.name })]),
    cursorOf: (row) => {
      const value = order.value(row);
      return cursors.encode(binding, shape, [value, row.id]);
    },
  };
}

/** Collects filter conditions; a malformed id matches nothing rather than failing the cast. */
export class Conditions {
  readonly list: Prisma.Sql[] = [];

  uuid(column: string, value: string | null | undefined): this {
    if (value != null) this.list.push(isUuid(value) ? Prisma.sql`${Prisma.raw(column)} = ${value}::uuid` : Prisma.sql`FALSE`);
    return this;
  }

  equals(column: string, value: string | null | undefined, cast = ''): this {
    if (value != null) this.list.push(Prisma.sql`${Prisma.raw(column)} = ${value}${Prisma.raw(cast)}`);
    return this;
  }

  anyOf(column: string, values: readonly string[] | null | undefined, arrayCast: string): this {
    if (values != null) this.list.push(values.length ? Prisma.sql`${Prisma.raw(column)} = ANY(${values}${Prisma.raw(arrayCast)})` : Prisma.sql`FALSE`);
    return this;
  }

  /** [from, to): inclusive start, exclusive end, so adjacent windows never double count. */
  window(column: string, from: Date | null | undefined, to: Date | null | undefined): this {
    if (from != null) this.list.push(Prisma.sql`${Prisma.raw(column)} >= ${from}::timestamptz`);
    if (to != null) this.list.push(Prisma.sql`${Prisma.raw(column)} < ${to}::timestamptz`);
    return this;
  }
}

/** How a child connection's rows point at their parent: the column and its type. */
export interface ParentKey {
  column: string;
  type: 'uuid' | 'text';
}

/** Reads pages and counts of one table through keyset list queries. */
export class KeysetTable<Row> {
  private readonly from: Prisma.Sql;

  constructor(
    private readonly prisma: PrismaClient,
    /** The table, or the alias of `from`; child connections qualify the parent column with it. */
    private readonly table: string,
    /** Select list aliasing columns to the Prisma model's field names. */
    private readonly columns: Prisma.Sql,
    /** What to read from when the order needs a column of another table: a subquery aliased as `table`. */
    from?: Prisma.Sql,
  ) {
    this.from = from ?? Prisma.raw(table);
  }

  /** One page: size + 1 rows in reading order, the extra one tells whether more follow. */
  page(query: ListQuery<Row>): Promise<Row[]> {
    return this.prisma.$queryRaw<Row[]>`
      SELECT ${this.columns} FROM ${this.from}
      ${whereSql([...query.conditions, ...query.bounds])}
      ${orderBySql(query.order, query.slice.direction)}
      LIMIT ${query.slice.size + 1}`;
  }

  /**
   * The same page for each parent, in one statement: a LATERAL subquery per
   * parent id, each an index range scan.
   */
  async pagesFor(parent: ParentKey, parentIds: readonly string[], query: ListQuery<Row>): Promise<Map<string, Row[]>> {
    const ids = parentIds.filter((id) => parent.type === 'text' || isUuid(id));
    const pages = new Map<string, Row[]>();
    if (ids.length === 0) return pages;
    const rows = await this.prisma.$queryRaw<Array<Row & { __parent: string }>>`
      SELECT parent.parent_id AS "__parent", page.* FROM unnest(${ids}${Prisma.raw(`::${parent.type}[]`)}) AS parent(parent_id)
      CROSS JOIN LATERAL (
        SELECT ${this.columns} FROM ${this.from}
        ${whereSql([Prisma.sql`${Prisma.raw(this.table)}.${Prisma.raw(parent.column)} = parent.parent_id`, ...query.conditions, ...query.bounds])}
        ${orderBySql(query.order, query.slice.direction)}
        LIMIT ${query.slice.size + 1}
      ) AS page`;
    for (const { __parent, ...row } of rows) {
      const list = pages.get(__parent);
      if (list) list.push(row as unknown as Row);
      else pages.set(__parent, [row as unknown as Row]);
    }
    return pages;
  }

  async count(query: ListQuery<Row>): Promise<number> {
    const [{ count }] = await this.prisma.$queryRaw<Array<{ count: number }>>`
      SELECT count(*)::int AS count FROM ${this.from} ${whereSql(query.conditions)}`;
    return count;
  }

  async countsFor(parent: ParentKey, parentIds: readonly string[], query: ListQuery<Row>): Promise<Map<string, number>> {
    const ids = parentIds.filter((id) => parent.type === 'text' || isUuid(id));
    if (ids.length === 0) return new Map();
    const column = Prisma.raw(parent.column);
    const rows = await this.prisma.$queryRaw<Array<{ parent: string; count: number }>>`
      SELECT ${column} AS parent, count(*)::int AS count FROM ${this.from}
      ${whereSql([Prisma.sql`${column} = ANY(${ids}${Prisma.raw(`::${parent.type}[]`)})`, ...query.conditions])}
      GROUP BY ${column}`;
    return new Map(rows.map((r) => [r.parent, r.count]));
  }

  /**
   * Whether any row lies behind the page's starting cursor: one index probe
   * that stops at the first row. `parent` narrows it to one parent's list.
   */
  async behind(query: ListQuery<Row>, parent?: { key: ParentKey; id: string }): Promise<boolean> {
    if (!query.behind) return false;
    if (parent && parent.key.type === 'uuid' && !isUuid(parent.id)) return false;
    const ofParent = parent ? [Prisma.sql`${Prisma.raw(parent.key.column)} = ${parent.id}${Prisma.raw(`::${parent.key.type}`)}`] : [];
    const [{ found }] = await this.prisma.$queryRaw<Array<{ found: boolean }>>`
      SELECT EXISTS (SELECT 1 FROM ${this.from} ${whereSql([...ofParent, ...query.conditions, query.behind])}) AS found`;
    return found;
  }
}

/** Runs `probe` once, on first call: aliases selecting the same flag share one query. */
function lazy(probe: () => Promise<boolean>): () => Promise<boolean> {
  let result: Promise<boolean> | undefined;
  return () => (result ??= probe());
}

export function keysetConnection<Row extends { id: string }>(
  rows: Row[],
  query: ListQuery<Row>,
  reads: { totalCount: () => Promise<number>; behind: () => Promise<boolean> },
): Connection<Row> {
  const behind: LazyFlag = query.behind ? lazy(reads.behind) : false;
  return { ...toPage(rows, query.slice, (row) => query.cursorOf(row), behind), totalCount: reads.totalCount };
}
