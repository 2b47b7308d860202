import { GraphQLError, Kind, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { getVariableValues } from 'graphql/execution/values';
import { variablesHash } from '../../lib/audit-log/events';
import type { StreamRecord } from '../../lib/audit-log/events';
import type { Caller } from '../../lib/caller';
import { ErrorCode } from '../../lib/errors';
import { sha256Hex } from '../../lib/hash';
import { newRequestId } from '../../lib/request-id';
import type { StreamSurface } from '../../lib/vocabulary';
import type { OperationGuard } from '../graphql/operation-limits';
import type { TrustedDocuments } from '../graphql/trusted-documents';
import { streamRequest, type StreamRequest } from './stream-request';

/** What a client asks to subscribe to, as graphql-ws and graphql-sse both carry it. */
export interface SubscribePayload {
  query: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: unknown;
}

/** An admitted subscription: what the hub runs, what the audit trail names it by, and what graphql-js executes. */
export interface AdmittedSubscription {
  request: StreamRequest;
  record: StreamRecord;
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
}

function refused(message: string, code: ErrorCode, extensions: Record<string, unknown> = {}): GraphQLError[] {
  return [new GraphQLError(message, { extensions: { code, ...extensions } })];
}

/**
 * Checks a subscribe request exactly as HTTP checks an operation, for both
 * stream transports: its document resolved and held to the safelist as
 * HTTP's are, the operation limits before parsing, then parse,
 * validation against the API schema, one subscription operation, and the
 * stream's own arguments (the caller's right to the tenant a filter names,
 * the cursor). Errors carry the codes HTTP uses.
 */
export function admitSubscription(
  schema: GraphQLSchema,
  guard: OperationGuard,
  trusted: TrustedDocuments,
  connection: { caller: Caller; surface: StreamSurface; correlationId: string | null },
  payload: SubscribePayload,
  /** The subscription's id in the audit trail; its own by default (an SSE request's subscription takes the request's). */
  requestId: string = newRequestId(),
): AdmittedSubscription | GraphQLError[] {
  // Nothing is registered from a stream: APQ registration is an HTTP convenience for tools.
  const resolved = trusted.resolve(connection.caller, payload.query, payload.extensions);
  if (!resolved.ok) return refused(resolved.refusal.message, resolved.refusal.code);
  if (resolved.query === null) return refused('the subscription has no query', ErrorCode.BAD_REQUEST);
  if (payload.operationName != null && typeof payload.operationName !== 'string') return refused('operationName must be a string', ErrorCode.BAD_REQUEST);
  if (payload.variables != null && (typeof payload.variables !== 'object' || Array.isArray(payload.variables))) {
    return refused('variables must be an object', ErrorCode.BAD_REQUEST);
  }
  const query = resolved.query;
  const operationName = (payload.operationName as string | null | undefined) ?? undefined;
  const variables = (payload.variables ?? {}) as Record<string, unknown>;
  const verdict = guard.check(query, operationName, variables);
  if (!verdict.ok) return [new GraphQLError(verdict.error.message, { extensions: verdict.error.extensions })];
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: guard.limits.maxTokens });
  } catch (error) {
    return refused((error as Error).message, ErrorCode.GRAPHQL_PARSE_FAILED);
  }
  const invalid = validate(schema, document);
  if (invalid.length) return invalid.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } }));
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) return refused('name the operation to run (operationName)', ErrorCode.BAD_USER_INPUT);
  if (operation.operation !== 'subscription') {
    return refused('only subscriptions are served on the stream endpoints; send queries and mutations over HTTP POST /graphql', ErrorCode.BAD_USER_INPUT);
  }
  // The hub reads the stream's arguments itself, without graphql-js's execution: the variables are coerced here, as it would, so one of the wrong type is refused rather than matched as sent.
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
  if (coerced.errors) return coerced.errors.map((e) => new GraphQLError(e.message, { extensions: { code: ErrorCode.BAD_USER_INPUT } }));
  let request: StreamRequest;
  try {
    request = streamRequest(schema, document, operation, coerced.coerced, { ...connection.caller, requestId });
  } catch (error) {
    if (error instanceof GraphQLError) return [error];
    const coded = error as { message?: string; extensions?: Record<string, unknown> };
    return [new GraphQLError(coded.message ?? 'the subscription was refused', { extensions: coded.extensions ?? { code: ErrorCode.BAD_USER_INPUT } })];
  }
  const record: StreamRecord = {
    requestId,
    correlationId: connection.correlationId,
    caller: connection.caller,
    surface: connection.surface,
    operationName: operationName ?? operation.name?.value ?? null,
    bodySha256: sha256Hex(query),
    variablesSha256: variablesHash(variables),
  };
  return { request, record, document, operationName, variables };
}
