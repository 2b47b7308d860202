import { readFileSync } from 'node:fs';
import { auditCheckpointInterval, gatewayLimits, jwtSettings, loadEnv, requireAuditCheckpointSigner, requireDatabaseUrl, requireInternalPrivateKey, streamLimits, trustedDocumentsSettings } from '../lib/env';
import { CallerSigner } from '../lib/internal-token';
import { createLogger } from '../lib/logger';
import { startMetricsServer } from '../lib/metrics-server';
import { exitOnSignal } from '../lib/shutdown';
import { startTracing } from '../lib/tracing-setup';
import { SUPERGRAPH_PATH } from '../lib/supergraph';
import { buildGateway } from './server';

/** The gateway deployed as its own process, in front of subgraphs running elsewhere. */
const env = loadEnv();
const logger = createLogger(env.LOG_LEVEL);
const tracing = startTracing(env, 'gateway', logger);
const gateway = buildGateway({
  supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
  subgraphUrls: {
    decisions: env.DECISIONS_URL,
    audit: env.AUDIT_URL,
    packages: env.PACKAGES_URL,
    tenants: env.TENANTS_URL,
  },
  databaseUrl: requireDatabaseUrl(env),
  callerSigner: new CallerSigner(requireInternalPrivateKey(env)),
  jwt: jwtSettings(env),
  redisUrl: env.REDIS_URL,
  operatorRateLimitPerMinute: env.RATE_LIMIT_OPERATOR_PER_MINUTE,
  limits: gatewayLimits(env),
  streamLimits: streamLimits(env),
  restDeprecations: env.REST_DEPRECATIONS,
  trustedDocuments: trustedDocumentsSettings(env),
  auditCheckpoint: { signer: requireAuditCheckpointSigner(env), ...auditCheckpointInterval(env) },
  logger,
});
gateway
  .listen(env.PORT ?? 4000, env.HOST)
  .then(async (running) => {
    const metrics = env.METRICS_PORT === undefined ? null : await startMetricsServer(env.METRICS_PORT, env.METRICS_HOST, logger);
    exitOnSignal(async () => {
      await running.close();
      await metrics?.close();
      await tracing.shutdown();
    }, logger);
  })
  .catch((err) => {
    logger.error('failed to start', { err });
    process.exit(1);
  });
