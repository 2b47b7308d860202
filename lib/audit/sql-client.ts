import type { Prisma, PrismaClient } from '@prisma/client';
import type { ClientBase, Pool } from 'pg';

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
