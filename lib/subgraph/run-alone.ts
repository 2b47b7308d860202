import { openDatabase } from '../database';
import { auditCheckpointKeyring, loadEnv, requireCursorSecret, requireDatabaseUrl, requireInternalPublicKey } from '../env';
import { createLogger } from '../logger';
import { startMetricsServer } from '../metrics-server';
import { exitOnSignal } from '../shutdown';
import { startTracing } from '../tracing-setup';
import { RedisBus } from '../streams/bus';
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
  const tracing = startTracing(env, name, logger);
  const publicKey = requireInternalPublicKey(env);
  const cursorSecret = requireCursorSecret(env);
  const db = openDatabase(requireDatabaseUrl(env), { poolSize: env.DB_POOL_SIZE, service: name });
  const port = env.PORT ?? SUBGRAPHS.find((s) => s.name === name)!.port;
  // Committed events wake the gateways through Redis; without it they find them by polling the outbox.
  const streamBus = env.REDIS_URL ? new RedisBus(env.REDIS_URL, logger) : undefined;
  build(subgraphDeps(name, { db, logger, publicKey, cursorSecret, auditCheckpointKeys: auditCheckpointKeyring(env), streamBus }))
    .listen(port, env.HOST)
    .then(async (running) => {
      const metrics = env.METRICS_PORT === undefined ? null : await startMetricsServer(env.METRICS_PORT, env.METRICS_HOST, logger);
      exitOnSignal(async () => {
        await running.close();
        await metrics?.close();
        await streamBus?.close();
        await db.close();
        await tracing.shutdown();
      }, logger);
    })
    .catch((err) => {
      logger.error('failed to start', { err });
      process.exit(1);
    });
}
