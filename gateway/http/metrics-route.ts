import { isPlatformOperator } from '../../lib/caller';
import { ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { sendJson } from '../../lib/http';
import { metricsRegistry } from '../../lib/metrics';
import { failureStatus, type Authenticator } from '../auth/authenticator';
import type { Route } from './router';

/**
 * GET /metrics on the gateway's own port, for the platform operator's
 * credential only: the figures name no tenant, but they show the whole
 * platform's traffic, which no tenant may see. Scrapes are not written to
 * the audit trail (one every few seconds would drown it); a scraper without
 * a credential uses METRICS_PORT instead, a port of its own off the public
 * network.
 */
export function metricsRoute(authenticator: Authenticator): Route {
  return {
    path: '/metrics',
    async handle(req, res, { requestId, headers }) {
      req.resume();
      if (req.method !== 'GET') {
        return sendJson(res, 405, { errors: [{ message: '/metrics takes GET', extensions: { code: ErrorCode.METHOD_NOT_ALLOWED, requestId } }] }, { ...headers, allow: 'GET' });
      }
      const auth = await authenticator.authenticate(req.headers, requestId, 'REST');
      if ('failure' in auth) {
        const { status, code, headers: extra } = failureStatus(auth.failure);
        return sendJson(res, status, { errors: [{ message: auth.failure.message, extensions: { code, reason: auth.failure.reason, requestId } }] }, { ...headers, ...extra });
      }
      if (!isPlatformOperator(auth.caller)) {
        const error = { message: '/metrics is for the platform operator only', extensions: { code: ErrorCode.FORBIDDEN, requiredRole: 'platform_operator', requestId } };
        return sendJson(res, HTTP_STATUS.FORBIDDEN, { errors: [error] }, headers);
      }
      const text = await metricsRegistry.metrics();
      res.writeHead(200, { ...headers, 'content-type': metricsRegistry.contentType, 'cache-control': 'no-store' });
      res.end(text);
    },
  };
}
