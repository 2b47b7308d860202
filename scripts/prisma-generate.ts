/**
 * `prisma generate` for postinstall. The CLI refuses to start without
 * DATABASE_URL even though generate never connects, so a fresh checkout gets
 * an address it never dials.
 */
import { runPrisma } from './migrate';

const GENERATE_ONLY_URL = 'postgresql://localhost:5432/unused';

async function main(): Promise<void> {
  const run = await runPrisma(['generate'], process.env.DATABASE_URL || GENERATE_ONLY_URL, (line) => console.log(line));
  if (run.code !== 0) throw new Error(`prisma generate failed (exit ${run.code}); its output is above`);
}

main().catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
