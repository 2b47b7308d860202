import { Client } from 'pg';
import { poolConfigFromUrl } from '../../lib/database-url';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../embedded-postgres';

let pg: EmbeddedPostgres;
beforeAll(async () => {
  pg = await startEmbeddedPostgres({ maxConnections: 32 });
}, 60_000);
afterAll(() => pg.stop());

describe('the embedded PostgreSQL', () => {
  it('keeps concurrent connections\' statements and transactions apart', async () => {
    const clients = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const client = new Client(poolConfigFromUrl(pg.url));
        await client.connect();
        return client;
      }),
    );
    try {
      await clients[0].query('CREATE TABLE relay_check (id int PRIMARY KEY, owner int NOT NULL)');
      // Statements of different shapes at once: interleaved, one would bind against another's.
      const work = clients.map(async (client, n) => {
        for (let i = 0; i < 20; i++) {
          if (n % 2) {
            const { rows } = await client.query('SELECT $1::int + $2::int AS sum', [n, i]);
            expect(rows[0].sum).toBe(n + i);
          } else {
            const { rows } = await client.query('SELECT $1::text AS text', [`c${n}-${i}`]);
            expect(rows[0].text).toBe(`c${n}-${i}`);
          }
        }
        await client.query('BEGIN');
        await client.query('INSERT INTO relay_check (id, owner) VALUES ($1, $2)', [n, n]);
        const { rows } = await client.query('SELECT owner FROM relay_check WHERE id = $1', [n]);
        expect(rows[0].owner).toBe(n);
        await client.query(n === 3 ? 'ROLLBACK' : 'COMMIT');
      });
      await Promise.all(work);
      const { rows } = await clients[0].query('SELECT count(*)::int AS n FROM relay_check');
      expect(rows[0].n).toBe(clients.length - 1);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }, 60_000);
});
