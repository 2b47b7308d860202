import type { ApolloServerPlugin } from '@apollo/server';
import { variablesHash } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { AUDIT_UNAVAILABLE_MESSAGE, CALL_RECORD_MISSING_MESSAGE, ErrorCode } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { sha256Hex } from '../../lib/hash';
import { recordCall } from '../audit/record-call';
import type { GatewayContext } from './context';

/**
 * Records every GraphQL operation exactly once: who, which tenant, the scope
 * the operation type needs, hashes of the document and the variables, the
 * outcome and the latency. The response waits until its record is committed
 * (the writer group-commits concurrent requests into one INSERT); if the
 * record cannot be written, the client gets AUDIT_UNAVAILABLE instead of an
 * answer nobody could later account for.
 */
export function auditPlugin(writer: AuditWriter, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      // The REST facade runs its operations through here and records each call itself, once;
      // a live stream's events are resolved through here too, and recorded by its start and end.
      if (contextValue.caller.surface !== 'GRAPHQL') return;
      const started = performance.now();
      const startedAt = Date.now();
      return {
        async willSendResponse({ response, operation, errors }) {
          const body = response.body.kind === 'single' ? response.body.singleResult : null;
          const firstCode = (errors?.[0] ?? body?.errors?.[0])?.extensions?.code;
          const status = String(response.http.status ?? 200);
          const elapsed = Math.max(0, Math.round(performance.now() - started));
          if (contextValue.tracking) contextValue.tracking.auditAttempted = true;
          const facts = contextValue.facts.facts();
          try {
            await recordCall(
              writer,
              {
                requestId: contextValue.requestId,
                correlationId: contextValue.correlationId,
                caller: contextValue.caller,
                surface: 'GRAPHQL',
                // The scope the root fields asked for (admin for key management), at least what the operation type needs.
                scope: contextValue.facts.scopeAtLeast(operation?.operation === 'mutation' ? 'write' : 'read'),
                operationName: request.operationName ?? operation?.name?.value ?? null,
                status: firstCode ? `${status} ${String(firstCode)}` : status,
                bodySha256: request.query ? sha256Hex(request.query) : null,
                variablesSha256: variablesHash(request.variables),
                latencyMs: elapsed,
                at: new Date(startedAt + elapsed),
              },
              facts,
            );
          } catch (err) {
            if (operation?.operation === 'mutation' && committedSomething(body?.data)) {
              // The write is made and its own domain event is in the trail,
              // written in the write's transaction: withholding the answer
              // would only make the client retry it. It gets the answer, and
              // a warning that this call's own record is missing.
              logger.error('audit record of a committed mutation failed; answering it', { err, requestId: contextValue.requestId });
              body!.extensions = { ...body!.extensions, warnings: [{ code: ErrorCode.AUDIT_UNAVAILABLE, message: CALL_RECORD_MISSING_MESSAGE }] };
              return;
            }
            logger.error('audit record failed; withholding the response', { err, requestId: contextValue.requestId });
            response.http.status = 503;
            response.body = {
              kind: 'single',
              singleResult: {
                errors: [{ message: AUDIT_UNAVAILABLE_MESSAGE, extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, requestId: contextValue.requestId } }],
              },
            };
          }
        },
      };
    },
  };
}

/** Whether a mutation's answer holds anything it made: a non-null root field. */
function committedSomething(data: Record<string, unknown> | null | undefined): boolean {
  return !!data && Object.values(data).some((value) => value !== null && value !== undefined);
}
