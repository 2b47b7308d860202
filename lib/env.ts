import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { decodePrivateKey, decodePublicKey, type InternalKeyPair } from './internal-keys';
import { CheckpointKeyring, CheckpointSigner } from './audit-log/checkpoint';
import { DEFAULT_CHECKPOINT_EVERY_EVENTS, DEFAULT_CHECKPOINT_EVERY_SECONDS } from './audit-log/checkpointer';
import { parseDeprecations } from './rest-deprecations';
import { DEFAULT_ANSWER_BOUNDS, DEFAULT_APQ_LIMITS, DEFAULT_LIMITS, DEFAULT_STREAM_LIMITS, type PersistedQueryLimits, type StreamLimits } from './limits';

/**
 * Every environment variable the system reads, parsed once at start-up.
 * A bad value stops the process with a message that names the variable.
 * lib/env-docs.ts documents each one (the README's table and .env.example are written from it).
 */
const optionalUrl = z.string().url().optional();
const optionalHttpUrl = z.string().url().regex(/^https?:\/\//, 'must be an http:// or https:// URL').optional();

const EnvObject = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  // The owner role's connection, for migrations (and grants); DATABASE_URL
  // then connects as the runtime role, which may only read and append audit records.
  DATABASE_MIGRATION_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// URL')
    .optional(),
  // The runtime role `db:migrate` grants to after migrating (scripts/db-grant.ts).
  DATABASE_RUNTIME_ROLE: z.string().regex(/^[a-z_][a-z0-9_$]{0,62}$/, 'must be a lower-case PostgreSQL role name').optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  // Prometheus metrics on a port of their own, without a credential (lib/metrics-server.ts).
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  DECISIONS_URL: optionalUrl,
  AUDIT_URL: optionalUrl,
  PACKAGES_URL: optionalUrl,
  TENANTS_URL: optionalUrl,
  PGLITE_DATA_DIR: z.string().min(1).default('.data/pglite'),
  PGLITE_PORT: z.coerce.number().int().min(1024).max(32767).default(15432),
  DEMO_DECISIONS: z.coerce.number().int().min(0).default(20_000),
  // The gateway signs the caller token with the private key and the
  // subgraphs check it with the public one (lib/internal-keys.ts). `npm start`
  // makes a pair per run when they are unset.
  INTERNAL_AUTH_PRIVATE_KEY: parsedText(decodePrivateKey),
  INTERNAL_AUTH_PUBLIC_KEY: parsedText(decodePublicKey),
  // The subgraphs' cursor MAC key; each subgraph derives its own from it.
  CURSOR_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters (HS256)').optional(),
  JWT_JWKS_URL: optionalUrl,
  JWT_ISSUER: z.string().min(1).optional(),
  JWT_AUDIENCE: z.string().min(1).optional(),
  JWT_TENANT_CLAIM: z.string().min(1).default('tenant_id'),
  // Read by @apollo/gateway itself; the gateway makes it 'true' when unset (gateway/graphql/apollo.ts).
  APOLLO_TELEMETRY_DISABLED: z.enum(['true', 'false', '1', '0']).optional(),
  // Rate limits: counters shared in Redis when set, per process otherwise.
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').optional(),
  // REST routes on their way out (lib/rest-deprecations.ts): a JSON list.
  REST_DEPRECATIONS: parsedText(parseDeprecations).transform(parseDeprecations),
  RATE_LIMIT_OPERATOR_PER_MINUTE: z.coerce.number().int().min(1).default(10_000),
  // Operation limits (gateway/graphql/operation-limits.ts has the reasons for each default).
  LIMIT_MAX_DOCUMENT_BYTES: z.coerce.number().int().min(256).default(DEFAULT_LIMITS.maxDocumentBytes),
  LIMIT_MAX_TOKENS: z.coerce.number().int().min(50).default(DEFAULT_LIMITS.maxTokens),
  LIMIT_MAX_DEPTH: z.coerce.number().int().min(2).default(DEFAULT_LIMITS.maxDepth),
  LIMIT_MAX_INTROSPECTION_DEPTH: z.coerce.number().int().min(2).default(DEFAULT_LIMITS.maxIntrospectionDepth),
  LIMIT_MAX_ALIASES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxAliases),
  LIMIT_MAX_ROOT_FIELDS: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxRootFields),
  LIMIT_MAX_DIRECTIVES: z.coerce.number().int().min(0).default(DEFAULT_LIMITS.maxDirectives),
  LIMIT_MAX_COST: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxCost),
  LIMIT_MAX_INTROSPECTION_COST: z.coerce.number().int().min(1).default(DEFAULT_LIMITS.maxIntrospectionCost),
  LIMIT_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_ANSWER_BOUNDS.maxResponseBytes),
  LIMIT_OPERATION_TIMEOUT_MS: z.coerce.number().int().min(100).default(DEFAULT_ANSWER_BOUNDS.operationTimeoutMs),
  // Live streams (lib/limits.ts has the reasons for each default), counted per gateway replica.
  STREAM_MAX_SUBSCRIPTIONS_PER_CONNECTION: z.coerce.number().int().min(1).default(DEFAULT_STREAM_LIMITS.maxSubscriptionsPerConnection),
  STREAM_MAX_SUBSCRIPTIONS_PER_TENANT: z.coerce.number().int().min(1).default(DEFAULT_STREAM_LIMITS.maxSubscriptionsPerTenant),
  STREAM_MAX_CONNECTIONS_PER_TENANT: z.coerce.number().int().min(1).default(DEFAULT_STREAM_LIMITS.maxConnectionsPerTenant),
  STREAM_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(DEFAULT_STREAM_LIMITS.maxConnections),
  // Trusted documents (gateway/graphql/trusted-documents.ts): `safelist` runs
  // the manifest's documents only (the platform operator aside), for production.
  TRUSTED_DOCUMENTS: z.enum(['allow', 'safelist']).default('allow'),
  // Another manifest than the committed one (pages/__generated__/persisted-documents.json), in the client preset's format.
  TRUSTED_DOCUMENTS_MANIFEST: z.string().min(1).optional(),
  APQ_MAX_ENTRIES: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_APQ_LIMITS.maxEntries),
  APQ_MAX_BYTES: z.coerce.number().int().min(64 * 1024).max(1024 * 1024 * 1024).default(DEFAULT_APQ_LIMITS.maxBytes),
  // Audit checkpoints (lib/audit-log/checkpoint.ts): the gateway signs with
  // the private key, the audit subgraph verifies with the public keys.
  AUDIT_CHECKPOINT_PRIVATE_KEY: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_PUBLIC_KEY: z.string().min(1).optional(),
  AUDIT_CHECKPOINT_EVERY_EVENTS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_CHECKPOINT_EVERY_EVENTS),
  AUDIT_CHECKPOINT_EVERY_SECONDS: z.coerce.number().int().min(1).max(86_400).default(DEFAULT_CHECKPOINT_EVERY_SECONDS),
  // OpenTelemetry traces (lib/tracing-setup.ts), the standard variables'
  // names and meanings: exported over OTLP/HTTP (protobuf) only when an
  // endpoint is set.
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalHttpUrl,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalHttpUrl,
  OTEL_EXPORTER_OTLP_HEADERS: parsedText(parseOtlpHeaders),
  // Only OTLP over HTTP with protobuf is built in; anything else is refused rather than silently not exported.
  OTEL_EXPORTER_OTLP_PROTOCOL: z.literal('http/protobuf', { message: 'only http/protobuf is supported' }).optional(),
  OTEL_EXPORTER_OTLP_TIMEOUT: z.coerce.number().int().min(1).max(120_000).default(10_000),
  OTEL_TRACES_SAMPLER: z
    .enum(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  OTEL_SERVICE_NAME: z.string().min(1).optional(),
});

/** Every variable lib/env.ts reads, for the documentation check. */
export const ENV_VARIABLES = Object.keys(EnvObject.shape) as ReadonlyArray<keyof typeof EnvObject.shape>;

const EnvSchema = EnvObject.superRefine((env, ctx) => {
  if ((env.JWT_SECRET || env.JWT_JWKS_URL) && (!env.JWT_ISSUER || !env.JWT_AUDIENCE)) {
    ctx.addIssue({ code: 'custom', path: ['JWT_ISSUER'], message: 'JWT_ISSUER and JWT_AUDIENCE are required when JWT_SECRET or JWT_JWKS_URL is set' });
  }
  if (env.JWT_SECRET && env.JWT_JWKS_URL) {
    ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: 'set JWT_SECRET or JWT_JWKS_URL, not both' });
  }
});

export type Env = z.infer<typeof EnvSchema>;

// Keys are checked at start-up like every other value, by parsing them;
// the message names the variable and never repeats the key.
const CheckedEnvSchema = EnvSchema.superRefine((env, ctx) => {
  for (const [name, parse] of [
    ['AUDIT_CHECKPOINT_PRIVATE_KEY', () => env.AUDIT_CHECKPOINT_PRIVATE_KEY && new CheckpointSigner(env.AUDIT_CHECKPOINT_PRIVATE_KEY)],
    ['AUDIT_CHECKPOINT_PUBLIC_KEY', () => CheckpointKeyring.fromList(env.AUDIT_CHECKPOINT_PUBLIC_KEY)],
  ] as const) {
    try {
      parse();
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [name], message: (error as Error).message });
    }
  }
});

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = CheckedEnvSchema.safeParse(source);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment:\n${problems.join('\n')}`);
  }
  return result.data;
}

/**
 * A variable checked at start-up by parsing it with `parse`, whose error
 * message is the issue's (the key decoders' messages say what is wrong
 * without echoing the key).
 */
function parsedText(parse: (text: string) => unknown) {
  return z
    .string()
    .superRefine((text, ctx) => {
      try {
        parse(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
      }
    })
    .optional();
}

/** The gateway's signing key, required when it runs alone. */
export function requireInternalPrivateKey(env: Env): KeyObject {
  if (!env.INTERNAL_AUTH_PRIVATE_KEY) {
    throw new Error('INTERNAL_AUTH_PRIVATE_KEY is required when the gateway runs alone (npm run keys:internal makes a pair)');
  }
  return decodePrivateKey(env.INTERNAL_AUTH_PRIVATE_KEY);
}

/**
 * The gateway's public key, required when a subgraph runs alone. A subgraph
 * that was also given the private key refuses to start: holding it would let
 * that subgraph mint a caller for every other, the very thing the key pair
 * is there to prevent.
 */
export function requireInternalPublicKey(env: Env): KeyObject {
  if (env.INTERNAL_AUTH_PRIVATE_KEY) {
    throw new Error('INTERNAL_AUTH_PRIVATE_KEY is set: only the gateway may hold it; give a subgraph INTERNAL_AUTH_PUBLIC_KEY alone');
  }
  if (!env.INTERNAL_AUTH_PUBLIC_KEY) {
    throw new Error('INTERNAL_AUTH_PUBLIC_KEY is required when a subgraph runs alone: the public half of the gateway\'s key pair');
  }
  return decodePublicKey(env.INTERNAL_AUTH_PUBLIC_KEY);
}

/**
 * The configured pair for a process that runs the gateway and the subgraphs
 * together (`npm start`), or null when neither half is set; one half alone
 * is a mistake worth stopping for.
 */
export function configuredKeyPair(env: Env): InternalKeyPair | null {
  if (!env.INTERNAL_AUTH_PRIVATE_KEY && !env.INTERNAL_AUTH_PUBLIC_KEY) return null;
  if (!env.INTERNAL_AUTH_PRIVATE_KEY || !env.INTERNAL_AUTH_PUBLIC_KEY) {
    throw new Error('set both INTERNAL_AUTH_PRIVATE_KEY and INTERNAL_AUTH_PUBLIC_KEY, or neither (npm start then makes a pair per run)');
  }
  return { privateKey: decodePrivateKey(env.INTERNAL_AUTH_PRIVATE_KEY), publicKey: decodePublicKey(env.INTERNAL_AUTH_PUBLIC_KEY) };
}

/** The cursor MAC secret, required when a subgraph runs alone (every replica of a subgraph needs the same one). */
export function requireCursorSecret(env: Env): string {
  if (!env.CURSOR_SECRET) {
    throw new Error('CURSOR_SECRET is required when a subgraph runs alone: at least 32 characters, the same in every replica');
  }
  return env.CURSOR_SECRET;
}

/** JWT verification settings, or null when bearer tokens are not configured (API keys only). */
export function jwtSettings(env: Env) {
  if (!env.JWT_SECRET && !env.JWT_JWKS_URL) return null;
  return {
    secret: env.JWT_SECRET,
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER!,
    audience: env.JWT_AUDIENCE!,
    tenantClaim: env.JWT_TENANT_CLAIM,
  };
}

export function requireDatabaseUrl(env: Env): string {
  if (!env.DATABASE_URL) {
    throw new Error('DATABASE_URL is required to run this part alone (or use `npm start` for the embedded database)');
  }
  return env.DATABASE_URL;
}

/** The operation limits and answer bounds the gateway enforces. */
export function gatewayLimits(env: Env) {
  return {
    operation: {
      maxDocumentBytes: env.LIMIT_MAX_DOCUMENT_BYTES,
      maxTokens: env.LIMIT_MAX_TOKENS,
      maxDepth: env.LIMIT_MAX_DEPTH,
      maxIntrospectionDepth: env.LIMIT_MAX_INTROSPECTION_DEPTH,
      maxAliases: env.LIMIT_MAX_ALIASES,
      maxRootFields: env.LIMIT_MAX_ROOT_FIELDS,
      maxDirectives: env.LIMIT_MAX_DIRECTIVES,
      maxCost: env.LIMIT_MAX_COST,
      maxIntrospectionCost: env.LIMIT_MAX_INTROSPECTION_COST,
    },
    answer: { maxResponseBytes: env.LIMIT_MAX_RESPONSE_BYTES, operationTimeoutMs: env.LIMIT_OPERATION_TIMEOUT_MS },
  };
}

/** The bounds on the live streams' connections and subscriptions. */
export function streamLimits(env: Env): StreamLimits {
  return {
    maxSubscriptionsPerConnection: env.STREAM_MAX_SUBSCRIPTIONS_PER_CONNECTION,
    maxSubscriptionsPerTenant: env.STREAM_MAX_SUBSCRIPTIONS_PER_TENANT,
    maxConnectionsPerTenant: env.STREAM_MAX_CONNECTIONS_PER_TENANT,
    maxConnections: env.STREAM_MAX_CONNECTIONS,
  };
}

/** Which documents the gateway runs, from which manifest, and the bounds of the APQ store. */
export function trustedDocumentsSettings(env: Env): { mode: 'allow' | 'safelist'; manifestPath: string | undefined; apq: PersistedQueryLimits } {
  return { mode: env.TRUSTED_DOCUMENTS, manifestPath: env.TRUSTED_DOCUMENTS_MANIFEST, apq: { maxEntries: env.APQ_MAX_ENTRIES, maxBytes: env.APQ_MAX_BYTES } };
}

/** The signer of audit checkpoints, or null when no private key is configured. */
export function auditCheckpointSigner(env: Env): CheckpointSigner | null {
  return env.AUDIT_CHECKPOINT_PRIVATE_KEY ? new CheckpointSigner(env.AUDIT_CHECKPOINT_PRIVATE_KEY) : null;
}

/** The signer a gateway deployed alone must have: without it its audit log could be rewound unnoticed. */
export function requireAuditCheckpointSigner(env: Env): CheckpointSigner {
  const signer = auditCheckpointSigner(env);
  if (!signer) {
    throw new Error('AUDIT_CHECKPOINT_PRIVATE_KEY is required when the gateway runs alone (make one with `npm run audit:keygen`)');
  }
  return signer;
}

/** The keys audit checkpoints are verified with (empty when none is configured). */
export function auditCheckpointKeyring(env: Env): CheckpointKeyring {
  return CheckpointKeyring.fromList(env.AUDIT_CHECKPOINT_PUBLIC_KEY);
}

/** How often the gateway seals the audit chains. */
export function auditCheckpointInterval(env: Env): { everyEvents: number; everySeconds: number } {
  return { everyEvents: env.AUDIT_CHECKPOINT_EVERY_EVENTS, everySeconds: env.AUDIT_CHECKPOINT_EVERY_SECONDS };
}

/** `key=value,key2=value2` (percent-encoded), as the OTLP exporter spec writes OTEL_EXPORTER_OTLP_HEADERS; throws without echoing the text. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    if (!pair.trim()) continue;
    const at = pair.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(pair.slice(0, at).trim());
      value = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      throw new Error('must be key=value pairs separated by commas, percent-encoded');
    }
    if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new Error('must be key=value pairs separated by commas, percent-encoded');
    headers[name] = value;
  }
  return headers;
}
