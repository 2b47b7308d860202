import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';
import { poolConfigFromUrl } from './lib/database-url';

// Migrate runs the WebAssembly schema engine through the pg driver adapter:
// the native schema engine is a binary download these machines cannot make.
// @prisma/adapter-pg is pinned to 7.10: 6.19's adapter breaks every Migrate
// command on PostgreSQL ("Column type 'name' could not be deserialized",
// prisma/orm#27403), and 7.10 also serves the 6.19 client at run time.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL must be set for Prisma CLI commands');
    return new PrismaPg(poolConfigFromUrl(url, { allowExitOnIdle: true }));
  },
});
