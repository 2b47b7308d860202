import { openDatabase } from '../database';
import { auditCheckpointKeyring, loadEnv, requireDatabaseUrl, requireInternalAuthSecret } from '../env';
import { createLogger } from '../logger';
import type { SubgraphDeps } from './deps';
import { SUBGRAPHS, type SubgraphName } from '../supergraph';
import type { SubgraphServer } from './server';

/** Entry point of a subgraph deployed as its own process. */
export function runSubgraphAlone(
  name: SubgraphName,
  build: (deps: SubgraphDeps) => SubgraphServer,
): void {
  const env = loadEnv();
  const logger = createLogger(env.LOG_LEVEL, { service: name });
  const internalSecret = requireInternalAuthSecret(env);
  const db = openDatabase(requireDatabaseUrl(env), { poolSize: env.DB_POOL_SIZE });
  const port = env.PORT ?? SUBGRAPHS.find((s) => s.name === name)!.port;
  build({ db, logger, internalSecret, auditCheckpointKeys: auditCheckpointKeyring(env) })
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
