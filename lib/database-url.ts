import type { PoolConfig } from 'pg';

/**
 * Turns a postgres:// URL into discrete pg settings. PrismaPg is given these
 * rather than `connectionString`, because its shadow-database helper
 * otherwise reconnects to the main database.
 */
export function poolConfigFromUrl(url: string, extra: PoolConfig = {}): PoolConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error('DATABASE_URL is not a valid URL (expected postgresql://user:pass@host:port/db)');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new Error(`DATABASE_URL must use the postgresql:// scheme, got ${parsed.protocol}`);
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres';
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || process.env.USER || 'postgres',
    password: decodeURIComponent(parsed.password) || undefined,
    database,
    ...extra,
  };
}

/** The same URL with its password masked, for logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<invalid DATABASE_URL>';
  }
}
