import { readFileSync } from 'node:fs';
import type { CheckpointKeyring, CheckpointSigner } from '../lib/audit-log/checkpoint';
import { openDatabase, type Database } from '../lib/database';
import type { InternalKeyPair } from '../lib/internal-keys';
import { InProcessBus, RedisBus, type StreamBus } from '../lib/streams/bus';
import { CallerSigner } from '../lib/internal-token';
import { subgraphDeps } from '../lib/subgraph/deps';
import type { Logger } from '../lib/logger';
import type { RunningServer } from '../lib/subgraph/server';
import { SUBGRAPHS, SUPERGRAPH_PATH, type SubgraphName } from '../lib/supergraph';
import type { JwtSettings } from '../gateway/auth/authenticator';
import { buildGateway, type GatewayOptions } from '../gateway/server';
import { SUBGRAPH_BUILDERS } from '../subgraphs/registry';

export interface RunningSubgraph extends RunningServer {
  /** The subgraph's own database handle (pool and statement counter). */
  readonly db: Database;
}

export interface RunningSystem {
  readonly gateway: RunningServer;
  readonly subgraphs: Record<SubgraphName, RunningSubgraph>;
  close(): Promise<void>;
}

export interface SystemOptions {
  databaseUrl: string;
  /** The gateway's own database (credentials, audit) when it differs from the subgraphs'. */
  gatewayDatabaseUrl?: string;
  logger: Logger;
  host?: string;
  /** 'ephemeral' binds every server to port 0 (tests); otherwise the default ports, gateway on `gatewayPort`. */
  ports?: 'ephemeral' | { gateway: number };
  /** Connections per subgraph pool. */
  poolSize?: number;
  /** The gateway signs caller tokens with the private key; each subgraph gets only the public one. */
  callerKeys: InternalKeyPair;
  /** The subgraphs' cursor secret (each derives its own key from it). */
  cursorSecret: string;
  jwt?: JwtSettings | null;
  /** Rate limits, operation limits, stream limits, REST deprecations and trusted documents of the gateway; its documented defaults when absent. */
  protection?: Pick<GatewayOptions, 'redisUrl' | 'operatorRateLimitPerMinute' | 'limits' | 'streamLimits' | 'restDeprecations' | 'trustedDocuments'>;
  /**
   * Audit checkpoints: the gateway signs with `signer`, the audit subgraph
   * verifies with `keyring`. Absent: none are signed, and verification
   * answers UNVERIFIABLE.
   */
  auditCheckpoint?: {
    signer: CheckpointSigner | null;
    keyring: CheckpointKeyring;
    everyEvents?: number;
    everySeconds?: number;
    pollMs?: number;
  };
}

/**
 * The whole graph in one process: four subgraphs, each with its own pool as
 * if it were its own process, and the gateway in front over real HTTP.
 */
export async function startSystem(options: SystemOptions): Promise<RunningSystem> {
  const host = options.host ?? '127.0.0.1';
  const ephemeral = options.ports === 'ephemeral';
  const started: RunningSubgraph[] = [];
  const checkpoint = options.auditCheckpoint;
  // One bus for the subgraphs and the gateway: Redis when replicas share one, else this process's memory.
  const streamBus: StreamBus = options.protection?.redisUrl ? new RedisBus(options.protection.redisUrl, options.logger) : new InProcessBus();
  try {
    for (const { name, port } of SUBGRAPHS) {
      const db = openDatabase(options.databaseUrl, { poolSize: options.poolSize, service: name });
      const server = SUBGRAPH_BUILDERS[name](
        subgraphDeps(name, { db, logger: options.logger, publicKey: options.callerKeys.publicKey, cursorSecret: options.cursorSecret, auditCheckpointKeys: checkpoint?.keyring, streamBus }),
      );
      const running = await server.listen(ephemeral ? 0 : port, host);
      started.push({ ...running, db, close: async () => (await running.close(), await db.close()) });
    }
    const subgraphs = Object.fromEntries(SUBGRAPHS.map(({ name }, i) => [name, started[i]])) as Record<SubgraphName, RunningSubgraph>;
    const gateway = await buildGateway({
      supergraphSdl: readFileSync(SUPERGRAPH_PATH, 'utf8'),
      subgraphUrls: Object.fromEntries(SUBGRAPHS.map(({ name }) => [name, subgraphs[name].url])),
      databaseUrl: options.gatewayDatabaseUrl ?? options.databaseUrl,
      callerSigner: new CallerSigner(options.callerKeys.privateKey),
      jwt: options.jwt ?? null,
      ...options.protection,
      auditCheckpoint: checkpoint?.signer ? { ...checkpoint, signer: checkpoint.signer } : null,
      streamBus,
      logger: options.logger,
    }).listen(ephemeral ? 0 : typeof options.ports === 'object' ? options.ports.gateway : 4000, host);
    return {
      gateway,
      subgraphs,
      async close() {
        await gateway.close();
        await Promise.all(started.map((s) => s.close()));
        await streamBus.close();
      },
    };
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    await streamBus.close();
    throw error;
  }
}
