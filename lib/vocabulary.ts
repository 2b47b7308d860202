/**
 * The closed lists that several layers spell out: PostgreSQL enums
 * (prisma/schema.prisma), SDL enums (schema/*.graphql) and the OpenAPI
 * document. Code reads them from here and nowhere else;
 * test/vocabulary.test.ts holds the SQL, SDL and OpenAPI enums to these.
 */

/** Scopes a credential can carry (SDL ApiKeyScope, upper-cased). */
export const SCOPES = ['read', 'write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Every way a call reaches the platform, as the audit log records it (SQL and SDL Surface). */
export const SURFACES = ['REST', 'GRAPHQL', 'WEBSOCKET', 'SSE', 'INTERNAL'] as const;
export type Surface = (typeof SURFACES)[number];

/** The surfaces a gateway caller arrives by; INTERNAL is the platform's own tooling (CLI, start-up). */
export const CALL_SURFACES = ['REST', 'GRAPHQL', 'WEBSOCKET', 'SSE'] as const satisfies readonly Surface[];
export type CallSurface = (typeof CALL_SURFACES)[number];

/** The surfaces of the live streams, whose calls are recorded at a subscription's start and end. */
export const STREAM_SURFACES = ['WEBSOCKET', 'SSE'] as const satisfies readonly CallSurface[];
export type StreamSurface = (typeof STREAM_SURFACES)[number];

/** SQL and SDL DecisionOutcome, OpenAPI Decision.outcome. */
export const DECISION_OUTCOMES = ['APPROVE', 'DECLINE', 'REVIEW', 'CHALLENGE'] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

/** SQL and SDL ApiKeyEnvironment; the key's prefix tells it (mai_test_, mai_live_). */
export const KEY_ENVIRONMENTS = ['SANDBOX', 'PRODUCTION'] as const;
export type KeyEnvironment = (typeof KEY_ENVIRONMENTS)[number];

/** SDL ApiKeyStatus: derived from a key's revocation and expiry, never stored. */
export const KEY_STATUSES = ['ACTIVE', 'REVOKED', 'EXPIRED'] as const;
export type KeyStatus = (typeof KEY_STATUSES)[number];

/** SQL and SDL Plan. */
export const PLANS = ['FREE', 'PRO', 'ENTERPRISE'] as const;

/** SQL and SDL TenantStatus. */
export const TENANT_STATUSES = ['ACTIVE', 'SUSPENDED'] as const;

/** SQL and SDL RiskTier. */
export const RISK_TIERS = ['DATA_ONLY', 'LOW', 'MEDIUM', 'HIGH'] as const;

/** SQL and SDL PackageStatus. */
export const PACKAGE_STATUSES = ['DRAFT', 'PUBLISHED', 'DEPRECATED'] as const;
