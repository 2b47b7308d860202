import type { ApolloServer } from '@apollo/server';
import { callEvent } from '../../lib/audit-log/events';
import type { AuditWriter } from '../../lib/audit-log/writer';
import { handleGraphQLRequest } from '../../lib/graphql-http';
import { sendJson } from '../../lib/http';
import type { Logger } from '../../lib/logger';
import { failureStatus, type Authenticator } from '../auth/authenticator';
import type { Route } from '../http/router';
import type { GatewayContext } from './context';

/** POST and GET /graphql: authenticates the caller, then hands the request to Apollo, which audits it. */
export function graphQLRoute(deps: { apollo: ApolloServer<GatewayContext>; authenticator: Authenticator; audit: AuditWriter; logger: Logger }): Route {
  const { apollo, authenticator, audit, logger } = deps;
  return {
    path: '/graphql',
    async handle(req, res, { requestId, headers }) {
      const auth = await authenticator.authenticate(req.headers, requestId, 'GRAPHQL');
      if ('failure' in auth) {
        req.resume();
        const { status, code, headers: extra } = failureStatus(auth.failure);
        const error = { message: auth.failure.message, extensions: { code, reason: auth.failure.reason, requestId } };
        // A refused call is still a call: it is recorded, without a tenant, on the platform chain.
        if (status === 401) {
          await audit
            .record(callEvent({ requestId, caller: null, surface: 'GRAPHQL', scope: null, operationName: null, status: `401 ${auth.failure.reason}`, bodySha256: null, variablesSha256: null, latencyMs: null }))
            .catch((err) => logger.warn('could not record a refused call', { err, requestId }));
        }
        return sendJson(res, status, { errors: [error] }, { ...headers, ...extra });
      }
      await handleGraphQLRequest(apollo, req, res, async () => ({ requestId, caller: auth.caller }), headers);
    },
  };
}
