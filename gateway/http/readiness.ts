import type { Pool } from 'pg';

export interface Check {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface Readiness {
  ready: boolean;
  database: Check;
  subgraphs: Record<string, Check>;
}

async function timed(probe: () => Promise<void>): Promise<Check> {
  const started = performance.now();
  try {
    await probe();
    return { ok: true, ms: Math.round(performance.now() - started) };
  } catch (error) {
    return { ok: false, ms: Math.round(performance.now() - started), error: describe(error) };
  }
}

// Says what failed without echoing internals (no connection strings, no stacks).
function describe(error: unknown): string {
  const err = error as { code?: string; name?: string; message?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'timed out';
  return err.code ?? (err.message ?? 'unreachable').slice(0, 120);
}

/** Ready when the gateway's database answers and every subgraph reports itself ready (its own database included). */
export async function checkReadiness(pool: Pool, subgraphs: Record<string, string>, timeoutMs = 2_000): Promise<Readiness> {
  const [database, ...results] = await Promise.all([
    timed(async () => {
      await pool.query({ text: 'SELECT 1', query_timeout: timeoutMs } as never);
    }),
    ...Object.values(subgraphs).map((url) =>
      timed(async () => {
        const res = await fetch(url.replace(/\/graphql$/, '/readyz'), { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        await res.arrayBuffer();
      }),
    ),
  ]);
  const names = Object.keys(subgraphs);
  const subgraphChecks = Object.fromEntries(names.map((name, i) => [name, results[i]]));
  return { ready: database.ok && results.every((r) => r.ok), database, subgraphs: subgraphChecks };
}
