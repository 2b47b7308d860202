import { ErrorCode } from '../../lib/errors';
import { RestError } from './envelope';
import { refuseUnknownFields } from './body';
import { enumList, refuseUnknownOrRepeated } from './parameters';

/** The GraphQL selection a REST decision is made of: the REST API is a view of the graph. */
// `packageVersionRef` is answered by the decisions service alone, so a made
// decision keeps its version's id even when the packages service is down.
const DECISION_FIELDS = `id feature outcome confidence reasons latencyMs requestId createdAt inputHash policyHash
  subject { type reference } tenant { id } packageVersionRef: packageVersion { id } packageVersion { id version package { slug } }`;

export const CREATE_DECISION = `mutation RestCreateDecision($input: CreateDecisionInput!) { createDecision(input: $input) { ${DECISION_FIELDS} } }`;
export const GET_DECISION = `query RestGetDecision($id: ID!) { decision(id: $id) { ${DECISION_FIELDS} } }`;
export const LIST_DECISIONS = `query RestListDecisions($first: Int, $after: String, $filter: DecisionFilter) {
  decisions(first: $first, after: $after, filter: $filter) { totalCount pageInfo { hasNextPage endCursor } edges { node { ${DECISION_FIELDS} } } } }`;
export const REQUEST_LINEAGE = `query RestRequestLineage($requestId: String!) {
  auditEvents(first: 100, filter: { requestId: $requestId }) { edges { node { id action surface scope actor status operationName latencyMs createdAt bodySha256 resource { type id } } } }
  decisions(first: 100, filter: { requestId: $requestId }) { edges { node { ${DECISION_FIELDS} } } } }`;

type GraphDecision = {
  id: string; feature: string; outcome: string; confidence: number; reasons: string[]; latencyMs: number; requestId: string; createdAt: string;
  inputHash: string; policyHash: string; subject: { type: string; reference: string }; tenant: { id: string } | null;
  packageVersion: { id: string; version: string; package: { slug: string } } | null;
  packageVersionRef: { id: string } | null;
};

/** A decision as REST clients see it: snake_case, flat ids. */
export function restDecision(d: GraphDecision) {
  return {
    id: d.id,
    feature: d.feature,
    outcome: d.outcome,
    confidence: d.confidence,
    reasons: d.reasons,
    latency_ms: d.latencyMs,
    request_id: d.requestId,
    created_at: d.createdAt,
    subject: d.subject,
    tenant_id: d.tenant?.id ?? null,
    package_version: d.packageVersion
      ? { id: d.packageVersion.id, version: d.packageVersion.version, package: d.packageVersion.package.slug }
      : d.packageVersionRef && { id: d.packageVersionRef.id, version: null, package: null },
    input_hash: d.inputHash,
    policy_hash: d.policyHash,
  };
}

type GraphEvent = {
  id: string; action: string; surface: string; scope: string | null; actor: string; status: string; operationName: string | null;
  latencyMs: number | null; createdAt: string; bodySha256: string | null; resource: { type: string; id: string } | null;
};

export function restEvent(e: GraphEvent) {
  return {
    id: e.id, action: e.action, surface: e.surface, scope: e.scope, actor: e.actor, status: e.status, operation: e.operationName,
    latency_ms: e.latencyMs, created_at: e.createdAt, body_sha256: e.bodySha256, resource: e.resource,
  };
}

/** POST /v1/decisions body to the mutation's input; the Idempotency-Key header rides along. */
export function createDecisionInput(body: Record<string, unknown>, idempotencyKey: string | undefined) {
  refuseUnknownFields(body, ['feature', 'subject', 'attributes']);
  const { feature, subject, attributes } = body;
  if (typeof feature !== 'string') throw new RestError(ErrorCode.INVALID_FIELD, 'feature must be a string', { field: 'feature' });
  if (typeof subject !== 'object' || subject === null || Array.isArray(subject)) {
    throw new RestError(ErrorCode.INVALID_FIELD, 'subject must be an object with type and reference', { field: 'subject' });
  }
  refuseUnknownFields(subject as Record<string, unknown>, ['type', 'reference'], 'subject.');
  const { type, reference } = subject as Record<string, unknown>;
  if (typeof type !== 'string' || typeof reference !== 'string') {
    throw new RestError(ErrorCode.INVALID_FIELD, 'subject.type and subject.reference must be strings', { field: 'subject' });
  }
  if (attributes === undefined) throw new RestError(ErrorCode.INVALID_FIELD, 'attributes is required (an object)', { field: 'attributes' });
  return { feature, subject: { type, reference }, attributes, ...(idempotencyKey !== undefined && { idempotencyKey }) };
}

const LIST_PARAMETERS = ['limit', 'cursor', 'feature', 'outcome', 'created_after', 'created_before', 'tenant_id', 'subject_reference', 'request_id'];

/** GET /v1/decisions query string to connection arguments. */
export function listArguments(params: URLSearchParams) {
  refuseUnknownOrRepeated(params, LIST_PARAMETERS);
  const limit = params.get('limit');
  if (limit !== null && !/^\d{1,4}$/.test(limit)) throw new RestError(ErrorCode.INVALID_PARAMETER, 'limit must be an integer from 0 to 100', { parameter: 'limit' });
  const filter: Record<string, unknown> = {};
  const map: Array<[string, string]> = [['feature', 'feature'], ['created_after', 'createdAfter'], ['created_before', 'createdBefore'], ['tenant_id', 'tenantId'], ['subject_reference', 'subjectReference'], ['request_id', 'requestId']];
  for (const [param, field] of map) if (params.has(param)) filter[field] = params.get(param);
  const outcome = enumList(params, 'outcome');
  if (outcome) filter.outcome = outcome;
  return { first: limit === null ? 20 : Number(limit), after: params.get('cursor'), filter };
}

/** A GraphQL error beside data that was made: what could not be filled in, and why. */
export function restWarning(error: { message: string; path?: ReadonlyArray<string | number>; extensions?: Record<string, unknown> }) {
  return {
    code: typeof error.extensions?.code === 'string' ? error.extensions.code : ErrorCode.INTERNAL_SERVER_ERROR,
    message: error.message,
    ...(error.path && { field: error.path.filter((p) => typeof p === 'string' && p !== 'createDecision').join('.') }),
  };
}
