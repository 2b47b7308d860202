import { Prisma, type PrismaClient } from '@prisma/client';
import { decodeCursor, encodeCursor, invalidCursor, pageSize, toPage, type Connection, type CursorValue } from './connection';
import { isUuid } from './ids';

/**
 * One total order of a connection: a sort column plus the id as tie-breaker.
 * Pages continue with a row comparison `(col, id) < (v, id)`, which
 * PostgreSQL answers from a (col, id) index however deep the page, and which
 * keeps pages stable while rows are inserted (unlike OFFSET).
 */
export interface SortOrder<Row> {
  /** The GraphQL enum value; cursors are tagged with it. */
  readonly name: string;
  readonly column: string;
  readonly direction: 'ASC' | 'DESC';
  readonly kind: 'timestamp' | 'number';
  /** The row's value in that column. */
  value(row: Row): Date | number;
}

export function sortOrder<Row>(order: SortOrder<Row>): SortOrder<Row> {
  return order;
}

export function orderBySql(order: SortOrder<unknown>): Prisma.Sql {
  const dir = Prisma.raw(order.direction);
  return Prisma.sql`ORDER BY ${Prisma.raw(order.column)} ${dir}, id ${dir}`;
}

/** The condition selecting rows strictly after the cursor in this order; validates the cursor. */
export function afterCursorSql(order: SortOrder<unknown>, cursor: string): Prisma.Sql {
  const [value, id] = decodeCursor(cursor, order.name, [order.kind === 'timestamp' ? 'string' : 'number', 'string']);
  const op = Prisma.raw(order.direction === 'DESC' ? '<' : '>');
  const column = Prisma.raw(order.column);
  const typed =
    order.kind === 'timestamp' ? Prisma.sql`${validInstant(value as string)}::timestamptz` : Prisma.sql`${value}::float8`;
  return Prisma.sql`(${column}, id) ${op} (${typed}, ${validUuid(id as string)}::uuid)`;
}

export function cursorOf<Row extends { id: string }>(order: SortOrder<Row>, row: Row): string {
  const value = order.value(row);
  const key: CursorValue[] = [value instanceof Date ? value.toISOString() : value, row.id];
  return encodeCursor(order.name, key);
}

export function whereSql(conditions: Prisma.Sql[]): Prisma.Sql {
  return conditions.length ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
}

// A cursor that decodes but carries a bad value was tampered with: same error as any malformed cursor.
function validInstant(value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw invalidCursor();
  return date;
}

function validUuid(value: string): string {
  if (!isUuid(value)) throw invalidCursor();
  return value;
}

/**
 * A validated list request. Building one checks every argument, so a bad
 * page size or cursor fails with BAD_USER_INPUT before any SQL runs.
 */
export interface ListQuery<Row> {
  /** Filter conditions, the caller's tenant scope included; no cursor. */
  readonly conditions: Prisma.Sql[];
  /** The cursor condition, when continuing after a cursor. */
  readonly after: Prisma.Sql | null;
  readonly order: SortOrder<Row>;
  readonly size: number;
  /** Identifies equal queries, so loaders can batch them. */
  readonly key: string;
}

export function listQuery<Row>(args: {
  first: number | null | undefined;
  after: string | null | undefined;
  order: SortOrder<Row>;
  conditions: Prisma.Sql[];
  /** Everything else that makes two queries different (the filter). */
  identity: unknown;
}): ListQuery<Row> {
  const size = pageSize(args.first);
  const after = args.after != null ? afterCursorSql(args.order, args.after) : null;
  return {
    conditions: args.conditions,
    after,
    order: args.order,
    size,
    key: JSON.stringify([size, args.order.name, args.after ?? null, args.identity]),
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

/** Reads pages and counts of one table through keyset list queries. */
export class KeysetTable<Row> {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly table: string,
    /** Select list aliasing columns to the Prisma model's field names. */
    private readonly columns: Prisma.Sql,
  ) {}

  /** One page: size + 1 rows, the extra one tells whether more follow. */
  page(query: ListQuery<Row>): Promise<Row[]> {
    return this.prisma.$queryRaw<Row[]>`
      SELECT ${this.columns} FROM ${Prisma.raw(this.table)}
      ${whereSql([...query.conditions, ...(query.after ? [query.after] : [])])}
      ${orderBySql(query.order)}
      LIMIT ${query.size + 1}`;
  }

  /**
   * The same page for each parent, in one statement: a LATERAL subquery per
   * parent id, each an index range scan.
   */
  async pagesFor(parentColumn: string, parentIds: readonly string[], query: ListQuery<Row>): Promise<Map<string, Row[]>> {
    const ids = parentIds.filter(isUuid);
    const pages = new Map<string, Row[]>();
    if (ids.length === 0) return pages;
    const column = Prisma.raw(parentColumn);
    const rows = await this.prisma.$queryRaw<Array<Row & { __parent: string }>>`
      SELECT parent.parent_id AS "__parent", page.* FROM unnest(${ids}::uuid[]) AS parent(parent_id)
      CROSS JOIN LATERAL (
        SELECT ${this.columns} FROM ${Prisma.raw(this.table)}
        ${whereSql([Prisma.sql`${Prisma.raw(this.table)}.${column} = parent.parent_id`, ...query.conditions, ...(query.after ? [query.after] : [])])}
        ${orderBySql(query.order)}
        LIMIT ${query.size + 1}
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
      SELECT count(*)::int AS count FROM ${Prisma.raw(this.table)} ${whereSql(query.conditions)}`;
    return count;
  }

  async countsFor(parentColumn: string, parentIds: readonly string[], query: ListQuery<Row>): Promise<Map<string, number>> {
    const ids = parentIds.filter(isUuid);
    if (ids.length === 0) return new Map();
    const column = Prisma.raw(parentColumn);
    const rows = await this.prisma.$queryRaw<Array<{ parent: string; count: number }>>`
      SELECT ${column} AS parent, count(*)::int AS count FROM ${Prisma.raw(this.table)}
      ${whereSql([Prisma.sql`${column} = ANY(${ids}::uuid[])`, ...query.conditions])}
      GROUP BY ${column}`;
    return new Map(rows.map((r) => [r.parent, r.count]));
  }
}

export function keysetConnection<Row extends { id: string }>(
  rows: Row[],
  query: ListQuery<Row>,
  totalCount: () => Promise<number>,
): Connection<Row> {
  return { ...toPage(rows, query.size, (row) => cursorOf(query.order, row)), totalCount };
}
