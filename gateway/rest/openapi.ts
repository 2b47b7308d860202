import { deprecationHeaders, deprecationNote, type RouteDeprecation } from '../../lib/rest-deprecations';
import { DECISION_OUTCOMES, SURFACES } from '../../lib/vocabulary';

/**
 * The OpenAPI 3.1 description of /v1, served at /v1/openapi.json. Tests
 * validate real responses against these schemas, so the document cannot
 * drift from what the API does.
 */
const error = {
  type: 'object',
  required: ['error'],
  additionalProperties: false,
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'request_id'],
      additionalProperties: false,
      properties: {
        code: { type: 'string', description: 'Stable, machine-readable code, e.g. UNAUTHENTICATED, MALFORMED_JSON, IDEMPOTENCY_KEY_REUSED.' },
        message: { type: 'string', description: 'What went wrong, for people.' },
        request_id: { type: 'string', description: 'The X-Request-Id of the call.' },
        details: {
          description: 'Structured context: the offending field, parameter or reason. For INVALID_ATTRIBUTES, the list of every problem with the attributes.',
          oneOf: [{ type: 'object' }, { type: 'array', items: { $ref: '#/components/schemas/AttributeProblem' } }],
        },
      },
    },
  },
} as const;

const decision = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'feature', 'outcome', 'confidence', 'reasons', 'latency_ms', 'request_id', 'created_at', 'subject', 'tenant_id', 'package_version', 'input_hash', 'policy_hash'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    feature: { type: 'string', examples: ['kyc.adaptive'] },
    outcome: { enum: DECISION_OUTCOMES },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
    reasons: { type: 'array', items: { type: 'string' } },
    latency_ms: { type: 'integer', minimum: 0 },
    request_id: { type: 'string', description: 'The server-made id (X-Request-Id) of the call that made the decision; a replayed answer carries the first call\'s.' },
    created_at: { type: 'string', format: 'date-time' },
    subject: { type: 'object', additionalProperties: false, required: ['type', 'reference'], properties: { type: { type: 'string' }, reference: { type: 'string' } } },
    tenant_id: { type: ['string', 'null'], format: 'uuid' },
    package_version: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['id', 'version', 'package'],
      description: 'The package version whose policy decided. version and package are null when the packages service could not be reached (a warning says so); the id is always the decision\'s own.',
      properties: { id: { type: 'string', format: 'uuid' }, version: { type: ['string', 'null'] }, package: { type: ['string', 'null'] } },
    },
    input_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    policy_hash: { type: 'string', pattern: '^[0-9a-f]{64}$' },
    warnings: {
      type: 'array',
      description: 'Present only when the decision was made and committed but part of the answer could not be given: a field another service could not fill in, or (AUDIT_UNAVAILABLE) the call\'s own audit record. The decision stands: do not retry it.',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['code', 'message'],
        properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string', description: 'The answer field left empty, e.g. packageVersion.' } },
      },
    },
  },
} as const;

const nullableNumber = { type: ['number', 'null'] } as const;

/** The measures of a group of decisions, as decisionStats computes them (see its description in the graph). */
const decisionAggregate = {
  type: 'object',
  additionalProperties: false,
  required: ['count', 'outcomes', 'confidence', 'latency_ms'],
  properties: {
    count: { type: 'integer', minimum: 0 },
    outcomes: {
      type: 'array',
      description: 'Each outcome with its count and its share of count (null when count is 0).',
      items: { type: 'object', additionalProperties: false, required: ['outcome', 'count', 'rate'], properties: { outcome: { enum: DECISION_OUTCOMES }, count: { type: 'integer' }, rate: nullableNumber } },
    },
    confidence: {
      type: 'object',
      additionalProperties: false,
      required: ['mean', 'min', 'max', 'histogram'],
      properties: {
        mean: nullableNumber,
        min: nullableNumber,
        max: nullableNumber,
        histogram: {
          type: 'array',
          description: 'Ten fixed bins over [0, 1]; 1.0 falls in the last.',
          items: { type: 'object', additionalProperties: false, required: ['lower', 'upper', 'count'], properties: { lower: { type: 'number' }, upper: { type: 'number' }, count: { type: 'integer' } } },
        },
      },
    },
    latency_ms: {
      type: 'object',
      additionalProperties: false,
      required: ['mean', 'p50', 'p90', 'p95', 'p99', 'max'],
      properties: { mean: nullableNumber, p50: nullableNumber, p90: nullableNumber, p95: nullableNumber, p99: nullableNumber, max: nullableNumber },
    },
  },
} as const;

const decisionReport = {
  type: 'object',
  additionalProperties: false,
  required: ['from', 'to', 'bucket', 'timezone', 'group_by', 'compare_to', 'rows', 'totals'],
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    bucket: { type: ['string', 'null'], enum: ['MINUTE', 'HOUR', 'DAY', 'WEEK', 'MONTH', null] },
    timezone: { type: 'string' },
    group_by: { type: 'array', items: { enum: ['tenant', 'feature', 'outcome', 'package_version', 'subject_type'] } },
    compare_to: { type: ['string', 'null'] },
    rows: {
      type: 'array',
      description: 'One row per bucket and group, empty buckets included with count 0. Only the grouped dimensions appear on a row.',
      items: {
        type: 'object',
        required: ['bucket_start', 'bucket_end', 'partial', 'count', 'outcomes', 'confidence', 'latency_ms'],
        properties: {
          bucket_start: { type: ['string', 'null'], format: 'date-time' },
          bucket_end: { type: ['string', 'null'], format: 'date-time' },
          partial: { type: 'boolean', description: 'The bucket is clipped by from or to: it covers less than its whole calendar unit.' },
          tenant_id: { type: ['string', 'null'] },
          feature: { type: ['string', 'null'] },
          outcome: { type: ['string', 'null'] },
          package_version_id: { type: ['string', 'null'] },
          subject_type: { type: ['string', 'null'] },
          count: decisionAggregate.properties.count,
          outcomes: decisionAggregate.properties.outcomes,
          confidence: decisionAggregate.properties.confidence,
          latency_ms: decisionAggregate.properties.latency_ms,
          previous: { oneOf: [{ $ref: '#/components/schemas/DecisionAggregate' }, { type: 'null' }] },
        },
      },
    },
    totals: { $ref: '#/components/schemas/DecisionAggregate' },
    previous: { oneOf: [{ $ref: '#/components/schemas/DecisionAggregate' }, { type: 'null' }] },
  },
} as const;

const auditEvent = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'action', 'surface', 'scope', 'actor', 'status', 'operation', 'latency_ms', 'created_at', 'body_sha256', 'resource'],
  properties: {
    id: { type: 'string', format: 'uuid' },
    action: { type: 'string', examples: ['request', 'decision.created'] },
    surface: { enum: SURFACES },
    scope: { type: ['string', 'null'] },
    actor: { type: 'string' },
    status: { type: 'string' },
    operation: { type: ['string', 'null'], description: 'REST route or GraphQL operation name.' },
    latency_ms: { type: ['integer', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    body_sha256: { type: ['string', 'null'] },
    resource: { type: ['object', 'null'], required: ['type', 'id'], properties: { type: { type: 'string' }, id: { type: 'string' } } },
  },
} as const;

const errorResponses = Object.fromEntries(
  [
    ['400', 'Malformed JSON, invalid or unknown fields or parameters (MALFORMED_JSON, INVALID_BODY, INVALID_FIELD, UNKNOWN_FIELD, UNKNOWN_PARAMETER, INVALID_PARAMETER, BAD_USER_INPUT).'],
    ['401', 'Missing or bad credentials (UNAUTHENTICATED; details.reason says which).'],
    ['403', 'The credential lacks the scope or the tenant (FORBIDDEN, TENANT_SUSPENDED).'],
    ['503', 'A dependency is down (DATABASE_UNAVAILABLE, SUBGRAPH_UNAVAILABLE, AUDIT_UNAVAILABLE); retry after Retry-After.'],
  ].map(([status, description]) => [status, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
);

const requestIdHeader = {
  name: 'X-Correlation-Id',
  in: 'header',
  required: false,
  description:
    'Your own trace id (8-128 of A-Z a-z 0-9 . _ : -; X-Request-Id is read the same way when this header is absent). Recorded with the call, searchable as the audit events\' correlationId, and echoed as X-Correlation-Id. It is never the request id: the server gives every call its own, answered as X-Request-Id, and that id keys the call\'s lineage (/v1/requests/{requestId}). A malformed value is dropped.',
  schema: { type: 'string' },
};

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Micro AI decisions API',
    version: '1.0.0',
    description: 'Decisions over REST. The same credentials, tenant isolation and audit trail as the GraphQL graph at /graphql.',
  },
  servers: [{ url: '/' }],
  security: [{ apiKey: [] }, { bearer: [] }],
  paths: {
    '/v1/decisions': {
      post: {
        operationId: 'createDecision',
        summary: 'Make a decision',
        description: 'Evaluates the feature policy of the package version the tenant has installed. Needs the write scope. With Idempotency-Key, a repeat with the same body returns the first decision (Idempotent-Replayed: true); the same key with another body is 409.',
        parameters: [requestIdHeader, { name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,255}$' } }],
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/CreateDecision' } } } },
        responses: {
          '201': {
            description:
              'The decision (new, or replayed for a repeated Idempotency-Key, marked Idempotent-Replayed: true). A committed decision is always answered 201: what another service could not give is null and listed in warnings, and a call record that could not be written is flagged with Audit-Record: missing.',
            headers: {
              'Idempotent-Replayed': { schema: { const: 'true' }, description: 'The decision was made by an earlier call with the same Idempotency-Key and body.' },
              'Audit-Record': { schema: { const: 'missing' }, description: "The decision and its own audit event are committed; this call's request record could not be written." },
            },
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } },
          },
          ...errorResponses,
          '409': { description: 'The Idempotency-Key was used for a different body (IDEMPOTENCY_KEY_REUSED).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '413': { description: 'The body is larger than 64 KiB (PAYLOAD_TOO_LARGE).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '415': { description: 'The body is not application/json (UNSUPPORTED_MEDIA_TYPE).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '422': {
            description:
              'The attributes do not match the input schema of the installed feature version (INVALID_ATTRIBUTES: details lists each {field, problem}; see GET /v1/features/{key}/input-schema), no package installed for the tenant offers the feature (FEATURE_NOT_INSTALLED), or the installed version cannot decide (INPUT_SCHEMA_MISSING, FEATURE_CONTRACT_INVALID). Nothing is written.',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
          },
        },
      },
      get: {
        operationId: 'listDecisions',
        summary: 'List decisions, newest first',
        parameters: [
          requestIdHeader,
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 0, maximum: 100, default: 20 } },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
          { name: 'feature', in: 'query', schema: { type: 'string' } },
          { name: 'outcome', in: 'query', schema: { type: 'string' }, description: 'Comma list, e.g. DECLINE,REVIEW.' },
          { name: 'created_after', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'created_before', in: 'query', schema: { type: 'string', format: 'date-time' } },
          { name: 'tenant_id', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'Your own tenant, or for the platform operator any tenant; another tenant is refused (403).' },
          { name: 'subject_reference', in: 'query', schema: { type: 'string' } },
          { name: 'request_id', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': { description: 'A page of decisions.', content: { 'application/json': { schema: { $ref: '#/components/schemas/DecisionList' } } } },
          ...errorResponses,
        },
      },
    },
    '/v1/decisions/{id}': {
      get: {
        operationId: 'getDecision',
        summary: 'One decision',
        parameters: [requestIdHeader, { name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The decision.', content: { 'application/json': { schema: { $ref: '#/components/schemas/Decision' } } } },
          '404': { description: 'No decision with that id for this tenant (NOT_FOUND).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ...errorResponses,
        },
      },
    },
    '/v1/features/{key}/input-schema': {
      get: {
        operationId: 'getFeatureInputSchema',
        summary: 'The input schema of a feature as the tenant has it installed',
        description: 'The JSON Schema (draft 2020-12) that the attributes of POST /v1/decisions must match for this feature: the contract of the package version the tenant has installed. Undeclared attributes are refused.',
        parameters: [requestIdHeader, { name: 'key', in: 'path', required: true, schema: { type: 'string' }, examples: { kyc: { value: 'kyc.adaptive' } } }],
        responses: {
          '200': { description: 'The installed version and its input schema.', content: { 'application/json': { schema: { $ref: '#/components/schemas/FeatureInputSchema' } } } },
          '404': { description: 'No package installed for this tenant offers the feature (NOT_FOUND).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          '422': { description: 'The installed version declares no input schema and cannot decide (INPUT_SCHEMA_MISSING).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ...errorResponses,
        },
      },
    },
    '/v1/reports/decisions': {
      get: {
        operationId: 'reportDecisions',
        summary: 'Decision counts, outcome mix, confidence and latency per time bucket and group',
        description:
          'The graph\'s decisionStats over [from, to), computed in PostgreSQL. Buckets start at local boundaries in `timezone` (a DAY across a DST change lasts 23 or 25 hours); empty buckets are present with count 0. JSON by default; `Accept: text/csv` streams CSV (RFC 4180, CRLF, one header row: bucket_start, bucket_end, partial, the group_by columns, then count, <outcome>_count and _rate for each outcome, confidence mean/min/max and ten bins, latency mean/p50/p90/p95/p99/max, and the same prefixed previous_ with compare_to). Text cells that a spreadsheet would run as a formula get a leading apostrophe. A tenant\'s credential reports on its own tenant; the platform operator on any.',
        parameters: [
          requestIdHeader,
          { name: 'from', in: 'query', required: true, schema: { type: 'string', format: 'date-time' }, description: 'Start of the window, inclusive.' },
          { name: 'to', in: 'query', required: true, schema: { type: 'string', format: 'date-time' }, description: 'End of the window, exclusive.' },
          { name: 'bucket', in: 'query', schema: { enum: ['minute', 'hour', 'day', 'week', 'month'] }, description: 'Without it, one row per group over the whole window. WEEK is ISO (Monday).' },
          { name: 'timezone', in: 'query', schema: { type: 'string', default: 'UTC' }, description: 'An IANA zone, e.g. Europe/London.' },
          { name: 'group_by', in: 'query', schema: { type: 'string' }, description: 'Comma list of tenant, feature, outcome, package_version, subject_type.' },
          { name: 'compare_to', in: 'query', schema: { enum: ['previous_period', 'same_period_last_year'] } },
          { name: 'feature', in: 'query', schema: { type: 'string' } },
          { name: 'outcome', in: 'query', schema: { type: 'string' }, description: 'Comma list, e.g. DECLINE,REVIEW.' },
          { name: 'tenant_id', in: 'query', schema: { type: 'string', format: 'uuid' }, description: 'Your own tenant, or for the platform operator any tenant.' },
          { name: 'package_version_id', in: 'query', schema: { type: 'string', format: 'uuid' } },
          { name: 'subject_type', in: 'query', schema: { type: 'string' } },
          { name: 'subject_reference', in: 'query', schema: { type: 'string' } },
        ],
        responses: {
          '200': {
            description: 'The report.',
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/DecisionReport' } },
              'text/csv': { schema: { type: 'string' } },
            },
          },
          '406': { description: 'The Accept header allows neither application/json nor text/csv (NOT_ACCEPTABLE).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ...errorResponses,
        },
      },
    },
    '/v1/requests/{requestId}': {
      get: {
        operationId: 'getRequestLineage',
        summary: 'The audit lineage of a request: every event it recorded and every decision it made',
        parameters: [requestIdHeader, { name: 'requestId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The request lineage.', content: { 'application/json': { schema: { $ref: '#/components/schemas/RequestLineage' } } } },
          '404': { description: 'No recorded request with that id for this tenant (NOT_FOUND).', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
          ...errorResponses,
        },
      },
    },
  },
  components: {
    securitySchemes: {
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      bearer: { type: 'http', scheme: 'bearer', description: 'An API key or a JWT.' },
    },
    schemas: {
      Error: error,
      DecisionAggregate: decisionAggregate,
      DecisionReport: decisionReport,
      Decision: decision,
      AuditEvent: auditEvent,
      CreateDecision: {
        type: 'object',
        additionalProperties: false,
        required: ['feature', 'subject', 'attributes'],
        properties: {
          feature: { type: 'string', examples: ['kyc.adaptive'] },
          subject: { type: 'object', additionalProperties: false, required: ['type', 'reference'], properties: { type: { type: 'string' }, reference: { type: 'string' } } },
          attributes: {
            type: 'object',
            description:
              'What the policy reads: at most 16 KB, 5 levels, 200 keys, matching the input schema of the installed feature version, served at GET /v1/features/{feature}/input-schema (and as Feature.inputSchema in the graph). Required attributes present, declared types and ranges, enums in exact case, no undeclared attribute; otherwise 422 INVALID_ATTRIBUTES.',
          },
        },
      },
      AttributeProblem: {
        type: 'object',
        additionalProperties: false,
        required: ['field', 'problem'],
        properties: {
          field: { type: 'string', description: 'Dotted path of the attribute (`device.ageDays`, `tags[2]`); empty for the attributes object itself.' },
          problem: { type: 'string', description: 'What is wrong with it, e.g. "is required", "must be an integer, got a string".' },
        },
      },
      FeatureInputSchema: {
        type: 'object',
        additionalProperties: false,
        required: ['feature', 'package_version', 'input_schema'],
        properties: {
          feature: { type: 'string', examples: ['kyc.adaptive'] },
          package_version: {
            type: 'object',
            additionalProperties: false,
            required: ['id', 'version', 'package'],
            properties: { id: { type: 'string', format: 'uuid' }, version: { type: 'string' }, package: { type: 'string' } },
          },
          input_schema: { type: 'object', description: 'A JSON Schema, draft 2020-12.' },
        },
      },
      DecisionList: {
        type: 'object',
        additionalProperties: false,
        required: ['data', 'has_more', 'next_cursor', 'total_count'],
        properties: {
          data: { type: 'array', items: { $ref: '#/components/schemas/Decision' } },
          has_more: { type: 'boolean' },
          next_cursor: { type: ['string', 'null'] },
          total_count: { type: 'integer' },
        },
      },
      RequestLineage: {
        type: 'object',
        additionalProperties: false,
        required: ['request_id', 'events', 'decisions'],
        properties: {
          request_id: { type: 'string' },
          events: { type: 'array', items: { $ref: '#/components/schemas/AuditEvent' }, description: 'Oldest first.' },
          decisions: { type: 'array', items: { $ref: '#/components/schemas/Decision' } },
        },
      },
    },
  },
} as const;

/**
 * The document as served: each deprecated operation marked `deprecated`,
 * its description ending with when it goes and what replaces it, and its
 * responses documenting the Deprecation and Sunset headers.
 */
export function openApiDocument(deprecations: readonly RouteDeprecation[]): typeof OPENAPI_DOCUMENT {
  const document = structuredClone(OPENAPI_DOCUMENT);
  const paths = document.paths as Record<string, Record<string, { description?: string; deprecated?: boolean; responses: Record<string, { headers?: Record<string, unknown> }> }>>;
  for (const d of deprecations) {
    const [method, template] = d.route.split(' ') as [string, string];
    const operation = paths[template.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the OpenAPI document has no operation for ${d.route}`);
    const headers = deprecationHeaders(d);
    operation.deprecated = true;
    operation.description = `${operation.description ?? ''}${operation.description ? '\n\n' : ''}${deprecationNote(d)}`;
    // Responses are shared between operations (the error responses): replaced, never changed in place.
    for (const [status, response] of Object.entries(operation.responses)) {
      operation.responses[status] = {
        ...response,
        headers: {
          ...response.headers,
          Deprecation: { description: 'When the route was deprecated (RFC 9745).', schema: { type: 'string', examples: [headers.deprecation] } },
          Sunset: { description: 'When the route goes away (RFC 8594).', schema: { type: 'string', examples: [headers.sunset] } },
        },
      };
    }
  }
  return document;
}
