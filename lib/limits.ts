/**
 * The bounds the gateway puts on one operation and on its answer. Defaults
 * here, one environment variable each (lib/env.ts); the gateway enforces
 * them (gateway/graphql/operation-limits.ts, gateway/graphql/route.ts).
 */

/** The bounds on one operation; every one has an environment variable (lib/env.ts, README "Configuration"). */
export interface OperationLimits {
  maxDocumentBytes: number;
  maxTokens: number;
  maxDepth: number;
  maxIntrospectionDepth: number;
  maxAliases: number;
  maxRootFields: number;
  maxDirectives: number;
  maxCost: number;
  maxIntrospectionCost: number;
}

/**
 * The defaults, chosen against what the graph's own clients send: the
 * deepest dashboard query (decisions → tenant → installations →
 * packageVersion → package → slug) is depth 8 and costs about 2,300; the
 * standard introspection query (GraphiQL's) is introspection depth 15 and
 * costs about 102,000 at this schema's size (it grows with every type and
 * field: the report types of issue 10 took it past 100,000), so its bound
 * leaves about twice that.
 */
export const DEFAULT_LIMITS: OperationLimits = {
  maxDocumentBytes: 32 * 1024,
  maxTokens: 3_000,
  maxDepth: 12,
  maxIntrospectionDepth: 16,
  maxAliases: 30,
  maxRootFields: 20,
  maxDirectives: 50,
  maxCost: 10_000,
  maxIntrospectionCost: 200_000,
};

/** Bounds on what one operation may take once it runs. */
export interface AnswerBounds {
  /** The largest answer the gateway builds; subgraph answers count towards it as they arrive. */
  maxResponseBytes: number;
  /** How long an operation may take before the caller gets OPERATION_TIMEOUT and its subgraph calls are cut. */
  operationTimeoutMs: number;
}

/**
 * 8 MB is forty times the largest dashboard page (20 decisions with every
 * relation, about 22 KB) and well inside memory with many in flight; 15 s
 * leaves slow reports room while a stuck subgraph cannot hold a caller long.
 */
export const DEFAULT_ANSWER_BOUNDS: AnswerBounds = {
  maxResponseBytes: 8 * 1024 * 1024,
  operationTimeoutMs: 15_000,
};

/** Bounds on the live streams (gateway/streams/), each counted per gateway replica. */
export interface StreamLimits {
  /** Subscriptions one WebSocket may carry at once (an SSE request carries one). */
  maxSubscriptionsPerConnection: number;
  /** Subscriptions one tenant (or the platform operator) may hold at once, over all its connections. */
  maxSubscriptionsPerTenant: number;
  /** Open stream connections (WebSocket and SSE) one tenant may hold at once. */
  maxConnectionsPerTenant: number;
  /** Open stream connections of every caller together, counted from the upgrade, before credentials. */
  maxConnections: number;
}

/**
 * A dashboard opens one socket with a handful of subscriptions; 50 per
 * socket leaves room for a wall of panels. 2,000 subscriptions and 1,000
 * connections per tenant serve a large operations floor while one tenant's
 * runaway client cannot take the replica's memory from the others (an idle
 * authenticated connection costs some tens of KB; see bench/streams.ts).
 * 10,000 connections bound the replica whoever opens them.
 */
export const DEFAULT_STREAM_LIMITS: StreamLimits = {
  maxSubscriptionsPerConnection: 50,
  maxSubscriptionsPerTenant: 2_000,
  maxConnectionsPerTenant: 1_000,
  maxConnections: 10_000,
};

/** Bounds on the gateway's store of documents tools register by hash (automatic persisted queries). */
export interface PersistedQueryLimits {
  /** Documents held at once, over every tenant. */
  maxEntries: number;
  /** Bytes of those documents (and their keys) together. */
  maxBytes: number;
}

/**
 * Tools register a handful of documents each; 2,000 leaves room for many
 * tenants' tools, and 8 MB is 256 documents of the largest size the
 * operation limits let through, so the store costs a replica little memory
 * whatever is sent to it.
 */
export const DEFAULT_APQ_LIMITS: PersistedQueryLimits = {
  maxEntries: 2_000,
  maxBytes: 8 * 1024 * 1024,
};
