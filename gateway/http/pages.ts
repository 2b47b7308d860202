import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { sendJson } from '../../lib/http';
import type { RequestScope, Route } from './router';

/** Where `npm run build:pages` (scripts/build-pages.ts) puts the GraphiQL bundle. */
export const GRAPHIQL_BUILD_DIR = path.resolve(__dirname, '../../.build/graphiql');
export const GRAPHIQL_PATH = '/graphiql';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/**
 * Only this origin, with the exceptions the bundle cannot do without (each
 * checked in Chromium, test/graphiql.test.ts): Monaco adds <style> elements
 * at run time, with no nonce support, and renders its lines as HTML with
 * style attributes, hence 'unsafe-inline' for styles (never for scripts);
 * GraphiQL's and Monaco's CSS embed fonts and icons as data: URLs. No
 * 'unsafe-eval' and no blob: workers: nothing in the bundle evaluates
 * strings, and the Monaco workers are files of this origin.
 */
export const GRAPHIQL_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "worker-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': GRAPHIQL_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * The GraphiQL page: index.html at /graphiql and /graphiql/, the built
 * assets below it. The page itself needs no credential; the queries it sends
 * to /graphql carry the key the user types in.
 */
export function graphiqlRoute(options: { dir?: string } = {}): Route {
  const dir = path.resolve(options.dir ?? GRAPHIQL_BUILD_DIR);

  /** Errors in the REST envelope: this is not a GraphQL surface. */
  const fail = (res: ServerResponse, scope: RequestScope, code: ErrorCode, message: string, { status = HTTP_STATUS[code], headers = {} }: { status?: number; headers?: Record<string, string> } = {}) =>
    sendJson(res, status, { error: { code, message, request_id: scope.requestId } }, { ...scope.headers, ...headers, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });

  return {
    path: `${GRAPHIQL_PATH}/`,
    crashBody: (requestId) => ({ error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error', request_id: requestId } }),
    async handle(req: IncomingMessage, res: ServerResponse, scope: RequestScope) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        return fail(res, scope, ErrorCode.METHOD_NOT_ALLOWED, `${GRAPHIQL_PATH} takes GET and HEAD, not ${req.method}`, { headers: { allow: 'GET, HEAD' } });
      }
      const file = fileFor(scope.path.slice(GRAPHIQL_PATH.length));
      if (file === null || !path.join(dir, file).startsWith(dir + path.sep)) return fail(res, scope, ErrorCode.NOT_FOUND, `no page at ${scope.path}`);

      let body: Buffer;
      try {
        body = await readFile(path.join(dir, file));
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code;
        if (reason !== 'ENOENT' && reason !== 'EISDIR') throw err;
        if (file === 'index.html') {
          // A server error, not a 404: the URL is right, the deployment is incomplete.
          return fail(res, scope, ErrorCode.PAGE_NOT_BUILT, 'the GraphiQL page is not built: run `npm run build:pages`');
        }
        return fail(res, scope, ErrorCode.NOT_FOUND, `no page at ${scope.path}`);
      }

      res.writeHead(200, {
        ...scope.headers,
        ...SECURITY_HEADERS,
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-length': body.length,
        // Vite names what it emits under assets/ by content hash, so a name never changes meaning; index.html names the current ones.
        'cache-control': file.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    },
  };
}

/**
 * The bundle file a path below /graphiql names, or null for anything that
 * could reach outside the bundle: `..` (also percent-encoded), a NUL,
 * a backslash, or a dotfile (the build stamp lives there).
 */
function fileFor(rest: string): string | null {
  if (rest === '' || rest === '/') return 'index.html';
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (!decoded.startsWith('/') || decoded.includes('\0') || decoded.includes('\\')) return null;
  const segments = decoded.slice(1).split('/');
  if (segments.some((s) => s === '' || s.startsWith('.'))) return null;
  return segments.join('/');
}

/** The q an Accept header gives a media type, from its most specific matching range (RFC 9110 §12.5.1). */
function quality(accept: string, type: string): number {
  const [major] = type.split('/');
  let best = { specificity: -1, q: 0 };
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const specificity = range === type ? 2 : range === `${major}/*` ? 1 : range === '*/*' ? 0 : -1;
    if (specificity <= best.specificity) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    best = { specificity, q: q ? Number(q.slice(2)) || 0 : 1 };
  }
  return best.q;
}

/**
 * A browser navigating (GET, HTML preferred to JSON), as opposed to a
 * GraphQL client, which asks for JSON, or for anything as curl does.
 */
export function wantsHtml(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const accept = req.headers.accept;
  if (!accept) return false;
  const json = Math.max(quality(accept, 'application/json'), quality(accept, 'application/graphql-response+json'));
  return quality(accept, 'text/html') > json;
}
