import type { Prisma, PrismaClient } from '@prisma/client';
import type { ClientBase, Pool, PoolClient } from 'pg';

/**
 * A connection the audit code can run SQL on: plain pg, or Prisma (inside an
 * interactive transaction, or not). The SQL is built once, as Prisma.Sql,
 * and sent through whichever is given, so both paths run the same text.
 */
export type SqlClient = ClientBase | Pool | PrismaClient | Prisma.TransactionClient;

/**
 * One connection inside a transaction the caller opened: appends lock rows
 * that must stay locked until the caller's COMMIT.
 */
export type TransactionSqlClient = ClientBase | Prisma.TransactionClient;

export async function runSql<Row>(db: SqlClient, sql: Prisma.Sql): Promise<Row[]> {
  if ('$queryRaw' in db) return db.$queryRaw<Row[]>(sql);
  return (await db.query(sql.text, sql.values)).rows as Row[];
}

/** Runs `work` in one transaction on a pg pool or a Prisma client, committing when it resolves. */
export function inTransaction<T>(db: Pool, work: (tx: PoolClient) => Promise<T>): Promise<T>;
export function inTransaction<T>(db: Pool | PrismaClient, work: (tx: TransactionSqlClient) => Promise<T>): Promise<T>;
export async function inTransaction<T>(db: Pool | PrismaClient, work: (tx: PoolClient) => Promise<T>): Promise<T> {
  if ('$transaction' in db) return db.$transaction((tx) => work(tx as unknown as PoolClient));
  const client = await db.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
