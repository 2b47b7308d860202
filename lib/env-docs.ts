/**
 * What each environment variable is for: the one source of the README's
 * configuration table and of .env.example (both written by
 * scripts/env-docs.ts; test/env-docs.test.ts fails when a variable of
 * lib/env.ts is missing here, when a documented default disagrees with the
 * parsed one, or when either file is stale).
 */
export interface EnvDoc {
  /** Variables documented together share one row. */
  names: readonly string[];
  /** What applies when the variable is unset, as a reader needs it (the parsed default appears in it verbatim). */
  default: string;
  usedBy: string;
  meaning: string;
  /** Read by the test suite only, not by lib/env.ts. */
  testsOnly?: boolean;
}

export const ENV_DOCS: readonly EnvDoc[] = [
  { names: ["DATABASE_URL"], default: "unset: embedded PGlite", usedBy: "all", meaning: "`postgresql://user:pass@host:port/db`. Required when a subgraph or the gateway runs alone. In tests: the server on which a scratch database is created. In production it connects as the runtime role (see \"Keys and roles\")." },
  { names: ["DATABASE_MIGRATION_URL"], default: "`DATABASE_URL`", usedBy: "`db:migrate`, `db:grant`, `db:seed`, `npm start`", meaning: "the tables' owner, which runs migrations and grants" },
  { names: ["DATABASE_RUNTIME_ROLE"], default: "unset", usedBy: "`db:migrate`, `db:grant`", meaning: "the runtime role to grant after migrating (`db:grant --role` overrides)" },
  { names: ["HOST"], default: "`127.0.0.1`", usedBy: "all", meaning: "interface to listen on (`0.0.0.0` in containers)" },
  { names: ["PORT"], default: "gateway 4000; decisions 4001, audit 4002, packages 4003, tenants 4004", usedBy: "each process", meaning: "port of the process started" },
  { names: ["DB_POOL_SIZE"], default: "`10`", usedBy: "subgraphs", meaning: "connections per subgraph pool" },
  { names: ["METRICS_PORT"], default: "unset: no metrics port", usedBy: "each process", meaning: "serves this process's Prometheus metrics at `GET /metrics` on a port of its own, without a credential (the gateway also serves them at `/metrics` on its own port to the platform operator's credential; a subgraph only here). See \"Operations: metrics\"" },
  { names: ["METRICS_HOST"], default: "`127.0.0.1`", usedBy: "each process", meaning: "interface of the metrics port; keep it off the public network" },
  { names: ["LOG_LEVEL"], default: "`info`", usedBy: "all", meaning: "`debug`, `info`, `warn`, `error`, `silent`; logs are JSON lines" },
  { names: ["DECISIONS_URL", "AUDIT_URL", "PACKAGES_URL", "TENANTS_URL"], default: "`http://127.0.0.1:<default port>/graphql`", usedBy: "gateway", meaning: "where each subgraph listens" },
  { names: ["PGLITE_DATA_DIR"], default: "`.data/pglite`", usedBy: "`npm start`", meaning: "embedded database folder (delete it to start over)" },
  { names: ["PGLITE_PORT"], default: "`15432`", usedBy: "`npm start`", meaning: "embedded database port (below 32768)" },
  { names: ["DEMO_DECISIONS"], default: "`20000`", usedBy: "`npm start`", meaning: "demo decisions loaded into an empty database" },
  { names: ["INTERNAL_AUTH_PRIVATE_KEY"], default: "a fresh pair per run under `npm start`", usedBy: "gateway only", meaning: "Ed25519 private key (base64 PKCS#8 DER, or PEM) that signs the internal caller token; `npm run keys:internal` makes a pair. Required when the gateway runs alone; a subgraph given it refuses to start" },
  { names: ["INTERNAL_AUTH_PUBLIC_KEY"], default: "a fresh pair per run under `npm start`", usedBy: "subgraphs", meaning: "the matching public key (base64 SPKI DER, or PEM); required when a subgraph runs alone. Under `npm start`, set both halves or neither" },
  { names: ["CURSOR_SECRET"], default: "random per run under `npm start`", usedBy: "subgraphs", meaning: "at least 32 characters, the same in every replica; each subgraph derives its own cursor key from it. Required when a subgraph runs alone" },
  { names: ["JWT_SECRET"], default: "unset", usedBy: "gateway", meaning: "HS256 secret (32+ characters) for bearer JWTs; or `JWT_JWKS_URL`" },
  { names: ["JWT_JWKS_URL"], default: "unset", usedBy: "gateway", meaning: "JWKS endpoint for RS256/ES256/PS256/EdDSA JWTs" },
  { names: ["JWT_ISSUER", "JWT_AUDIENCE"], default: "unset", usedBy: "gateway", meaning: "required with either of the above" },
  { names: ["JWT_TENANT_CLAIM"], default: "`tenant_id`", usedBy: "gateway", meaning: "claim holding the caller's tenant id" },
  { names: ["APOLLO_TELEMETRY_DISABLED"], default: "`true` (the gateway sets it when unset)", usedBy: "gateway", meaning: "`false` lets @apollo/gateway send its anonymous usage metrics to Apollo every hour (after probing cloud metadata endpoints); off unless asked for" },
  { names: ["REDIS_URL"], default: "unset: counters and stream bus in process memory", usedBy: "gateway", meaning: "`redis://host:port`: rate-limit counters and the stream bus shared by every gateway instance" },
  { names: ["REST_DEPRECATIONS"], default: "unset: no route deprecated", usedBy: "gateway", meaning: "REST routes announced for removal, a JSON list of `{\"route\": \"GET /v1/decisions/:id\", \"since\": \"2026-11-01\", \"sunset\": \"2027-05-01\", \"successor\": \"/graphql\"}`: their answers carry `Deprecation`, `Sunset` and `Link` headers, and the OpenAPI document marks them deprecated (see \"Schema workflow\")" },
  { names: ["STREAM_MAX_SUBSCRIPTIONS_PER_CONNECTION"], default: "`50`", usedBy: "gateway", meaning: "live subscriptions on one WebSocket" },
  { names: ["STREAM_MAX_SUBSCRIPTIONS_PER_TENANT"], default: "`2000`", usedBy: "gateway", meaning: "live subscriptions of one tenant on one replica (WebSocket and SSE)" },
  { names: ["STREAM_MAX_CONNECTIONS_PER_TENANT"], default: "`1000`", usedBy: "gateway", meaning: "stream connections of one tenant on one replica" },
  { names: ["STREAM_MAX_CONNECTIONS"], default: "`10000`", usedBy: "gateway", meaning: "stream connections on one replica (past it the upgrade gets 503)" },
  { names: ["RATE_LIMIT_OPERATOR_PER_MINUTE"], default: "`10000`", usedBy: "gateway", meaning: "budget of a platform operator's JWT, which names no tenant" },
  { names: ["LIMIT_MAX_DEPTH"], default: "`12`", usedBy: "gateway", meaning: "deepest field nesting of an operation (fragments expanded)" },
  { names: ["LIMIT_MAX_INTROSPECTION_DEPTH"], default: "`16`", usedBy: "gateway", meaning: "deepest nesting below `__schema` / `__type` (the standard introspection query is 15)" },
  { names: ["LIMIT_MAX_ALIASES"], default: "`30`", usedBy: "gateway", meaning: "aliased fields per operation, counted per fragment spread" },
  { names: ["LIMIT_MAX_ROOT_FIELDS"], default: "`20`", usedBy: "gateway", meaning: "root fields per operation" },
  { names: ["LIMIT_MAX_DIRECTIVES"], default: "`50`", usedBy: "gateway", meaning: "directives per document" },
  { names: ["LIMIT_MAX_TOKENS"], default: "`3000`", usedBy: "gateway", meaning: "lexical tokens per document (the parser stops there)" },
  { names: ["LIMIT_MAX_DOCUMENT_BYTES"], default: "`32768`", usedBy: "gateway", meaning: "bytes of the document (variables aside)" },
  { names: ["LIMIT_MAX_COST"], default: "`10000`", usedBy: "gateway", meaning: "estimated cost of an operation (see \"Protection\")" },
  { names: ["LIMIT_MAX_INTROSPECTION_COST"], default: "`200000`", usedBy: "gateway", meaning: "estimated cost of the introspection part (the standard query is about 102,000 at this schema's size, and grows with it)" },
  { names: ["LIMIT_MAX_RESPONSE_BYTES"], default: "`8388608`", usedBy: "gateway", meaning: "subgraph answer bytes one operation may gather (8 MB)" },
  { names: ["LIMIT_OPERATION_TIMEOUT_MS"], default: "`15000`", usedBy: "gateway", meaning: "deadline of one operation and of each subgraph call in it" },
  { names: ["TRUSTED_DOCUMENTS"], default: "`allow`", usedBy: "gateway", meaning: "`allow`: any document, by text or by hash; `safelist`: tenants run only the manifest's documents (see \"Trusted documents\")" },
  { names: ["TRUSTED_DOCUMENTS_MANIFEST"], default: "`pages/__generated__/persisted-documents.json`", usedBy: "gateway", meaning: "the persisted-documents manifest (the client preset's format: `{\"sha256:<hex>\": \"<document>\"}`)" },
  { names: ["APQ_MAX_ENTRIES"], default: "`2000`", usedBy: "gateway", meaning: "documents the APQ store holds on one replica, all tenants together (least recently used go first)" },
  { names: ["APQ_MAX_BYTES"], default: "`8388608`", usedBy: "gateway", meaning: "bytes of those documents together (8 MB; at least 65536)" },
  { names: ["AUDIT_CHECKPOINT_PRIVATE_KEY"], default: "unset (`npm start`: `.data/audit-checkpoint.key`)", usedBy: "gateway, `db:seed`", meaning: "Ed25519 private key (base64 PKCS#8 DER or PEM) that signs audit checkpoints; required when the gateway runs alone; never give it to the database or a subgraph" },
  { names: ["AUDIT_CHECKPOINT_PUBLIC_KEY"], default: "unset: verification answers `UNVERIFIABLE`", usedBy: "audit subgraph", meaning: "comma-separated Ed25519 public keys (base64 SPKI DER or PEM) checkpoints are verified with; keep retired keys listed while their checkpoints are kept" },
  { names: ["AUDIT_CHECKPOINT_EVERY_EVENTS"], default: "`100`", usedBy: "gateway, `db:seed`", meaning: "seal a chain once it has grown this many events past its latest checkpoint" },
  { names: ["AUDIT_CHECKPOINT_EVERY_SECONDS"], default: "`10`", usedBy: "gateway", meaning: "seal a chain whose oldest unsealed event is older than this" },
  { names: ["OTEL_EXPORTER_OTLP_ENDPOINT"], default: "unset: no traces exported", usedBy: "all", meaning: "OTLP/HTTP base URL (`http://` or `https://`); traces go to `<url>/v1/traces`" },
  { names: ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"], default: "unset", usedBy: "all", meaning: "the full traces URL, used as given instead of the above" },
  { names: ["OTEL_EXPORTER_OTLP_HEADERS"], default: "unset", usedBy: "all", meaning: "`key=value,key2=value2` (percent-encoded) sent with every export, e.g. the collector's credentials; never logged" },
  { names: ["OTEL_EXPORTER_OTLP_PROTOCOL"], default: "`http/protobuf`", usedBy: "all", meaning: "the only protocol built in; any other value stops the process" },
  { names: ["OTEL_EXPORTER_OTLP_TIMEOUT"], default: "`10000`", usedBy: "all", meaning: "milliseconds an export may take before its spans are given up" },
  { names: ["OTEL_TRACES_SAMPLER"], default: "`parentbased_always_on`", usedBy: "all", meaning: "`always_on`, `always_off`, `traceidratio`, `parentbased_always_on`, `parentbased_always_off`, `parentbased_traceidratio`" },
  { names: ["OTEL_TRACES_SAMPLER_ARG"], default: "`1`", usedBy: "all", meaning: "the ratio (0 to 1) of the `traceidratio` samplers" },
  { names: ["OTEL_SERVICE_NAME"], default: "the part's name (`gateway`, `decisions`, ...)", usedBy: "the gateway or a subgraph run alone", meaning: "`service.name` of the process's part; `npm start` keeps each part's own" },
  { names: ["TEST_LOG_LEVEL"], testsOnly: true, default: "`silent`", usedBy: "tests", meaning: "log level of the servers the tests start" },
  { names: ["TEST_REDIS_URL"], testsOnly: true, default: "`redis://127.0.0.1:6379`", usedBy: "tests", meaning: "the Redis the rate-limit tests share between two gateways" },
  { names: ["FUZZ_RUNS"], testsOnly: true, default: "`60`", usedBy: "tests", meaning: "fast-check runs per root field in `test/hostile-input.test.ts` (REST properties run 2-3x that)" },
];
