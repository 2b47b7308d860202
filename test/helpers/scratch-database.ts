import { Client } from 'pg';
import { poolConfigFromUrl } from '../../lib/database-url';

/** Runs `work` on a fresh connection to `url`, closed afterwards whatever happens. */
export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client(poolConfigFromUrl(url));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the server `serverUrl` points at, with the same credentials. */
export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      withClient(serverUrl, async (admin) => {
        // pg-pool's end() resolves once its idle clients are told to end, not once their sockets
        // close: a backend FORCE terminated in that gap sends 57P01 to a client with no error
        // listener left, an unhandled error in the test process. So wait for them to leave first.
        const deadline = Date.now() + 3_000;
        while (Date.now() < deadline && (await admin.query('SELECT 1 FROM pg_stat_activity WHERE datname = $1', [name])).rowCount) {
          await new Promise((r) => setTimeout(r, 25));
        }
        // FORCE: a pool that failed mid-test may still hold a connection.
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      }),
  };
}
