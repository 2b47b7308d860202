import { openDatabase } from '../database';
import { auditCheckpointKeyring, loadEnv, requireCursorSecret, requireDatabaseUrl, requireInternalPublicKey } from '../env';
import { createLogger } from '../logger';
import { subgraphDeps, type SubgraphDeps } from './deps';
import { SUBGRAPHS, type SubgraphName } from '../supergraph';
import type { SubgraphServer } from './server';

/** Entry point of a subgraph deployed as its own process. */
export function runSubgraphAlone(
  name: SubgraphName,
  build: (deps: SubgraphDeps) => SubgraphServer,
): void {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL, { service: name });
  const publicKey = requireInternalPublicKey(env);
  const cursorSecret = requireCursorSecret(env);
  const db = openDatabase(requireDatabaseUrl(env), { poolSize: env.DB_POOL_SIZE });
  const port = env.PORT ?? SUBGRAPHS.find((s) => s.name === name)!.port;
  build(subgraphDeps(name, { db, logger, publicKey, cursorSecret, auditCheckpointKeys: auditCheckpointKeyring(env) }))
    .listen(port, env.HOST)
    .then((running) => {
      const stop = async () => {
        await running.close();
        await db.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err) => {
      logger.error('failed to start', { err });
      process.exit(1);
    });
}
