import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ErrorCode, HTTP_STATUS } from '../../lib/errors';
import { sendJson } from '../../lib/http';
import type { RequestScope, Route } from './router';

/** A browser page the gateway serves from a bundle that `npm run build:pages` (scripts/build-pages.ts) makes. */
export interface PageBundle {
  /** Its folder under pages/ and under .build/. */
  name: string;
  /** What the page is called in messages. */
  title: string;
  /** Where it is served: index.html there and at path + '/', its assets below. */
  path: string;
  buildDir: string;
  csp: string;
}

const BUILD_ROOT = path.resolve(__dirname, '../../.build');

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

/** The directives every page shares: only this origin, nothing may frame the page, no form posts elsewhere. */
const BASE_CSP = ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"];

/**
 * Only this origin, with the exceptions the bundle cannot do without (each
 * checked in Chromium, test/graphiql.test.ts): Monaco adds <style> elements
 * at run time, with no nonce support, and renders its lines as HTML with
 * style attributes, hence 'unsafe-inline' for styles (never for scripts);
 * GraphiQL's and Monaco's CSS embed fonts and icons as data: URLs. No
 * 'unsafe-eval' and no blob: workers: nothing in the bundle evaluates
 * strings, and the Monaco workers are files of this origin.
 */
export const GRAPHIQL_CSP = [...BASE_CSP, "worker-src 'self'", "style-src 'self' 'unsafe-inline'", "font-src 'self' data:", "img-src 'self' data:"].join('; ');

/**
 * Stricter than GraphiQL's: uPlot and React set styles through the CSSOM,
 * which style-src does not govern, so no inline style is needed. connect-src
 * 'self' also admits the page's WebSocket to /graphql (CSP Level 3 matches
 * ws: to the page's own http: origin; test/dashboard.test.ts watches for
 * violations).
 */
export const DASHBOARD_CSP = [...BASE_CSP, "style-src 'self'", "img-src 'self'"].join('; ');

export const GRAPHIQL: PageBundle = { name: 'graphiql', title: 'GraphiQL', path: '/graphiql', buildDir: path.join(BUILD_ROOT, 'graphiql'), csp: GRAPHIQL_CSP };
export const DASHBOARD: PageBundle = { name: 'dashboard', title: 'dashboard', path: '/dashboard', buildDir: path.join(BUILD_ROOT, 'dashboard'), csp: DASHBOARD_CSP };
/** Every page, in the order the build makes them. */
export const PAGES: readonly PageBundle[] = [GRAPHIQL, DASHBOARD];

export const GRAPHIQL_BUILD_DIR = GRAPHIQL.buildDir;
export const GRAPHIQL_PATH = GRAPHIQL.path;

/** The GraphiQL page; its queries to /graphql carry the key the user types in. */
export const graphiqlRoute = (options: { dir?: string } = {}): Route => pageRoute(GRAPHIQL, options);

/** The tenant dashboard; it reads the public graph with the key the user pastes. */
export const dashboardRoute = (options: { dir?: string } = {}): Route => pageRoute(DASHBOARD, options);

/**
 * One page's static files: index.html at its path and path + '/', the built
 * assets below it. The page itself needs no credential: whatever it reads
 * from the graph authenticates.
 */
export function pageRoute(page: PageBundle, options: { dir?: string } = {}): Route {
  const dir = path.resolve(options.dir ?? page.buildDir);
  const headers = {
    'content-security-policy': page.csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
  };

  /** Errors in the REST envelope: this is not a GraphQL surface. */
  const fail = (res: ServerResponse, scope: RequestScope, code: ErrorCode, message: string, { status = HTTP_STATUS[code], headers = {} }: { status?: number; headers?: Record<string, string> } = {}) =>
    sendJson(res, status, { error: { code, message, request_id: scope.requestId } }, { ...scope.headers, ...headers, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });

  return {
    path: `${page.path}/`,
    crashBody: (requestId) => ({ error: { code: ErrorCode.INTERNAL_SERVER_ERROR, message: 'Internal server error', request_id: requestId } }),
    async handle(req: IncomingMessage, res: ServerResponse, scope: RequestScope) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        req.resume();
        return fail(res, scope, ErrorCode.METHOD_NOT_ALLOWED, `${page.path} takes GET and HEAD, not ${req.method}`, { headers: { allow: 'GET, HEAD' } });
      }
      const file = fileFor(scope.path.slice(page.path.length));
      if (file === null || !path.join(dir, file).startsWith(dir + path.sep)) return fail(res, scope, ErrorCode.NOT_FOUND, `no page at ${scope.path}`);

      let body: Buffer;
      try {
        body = await readFile(path.join(dir, file));
      } catch (err) {
        const reason = (err as NodeJS.ErrnoException).code;
        if (reason !== 'ENOENT' && reason !== 'EISDIR') throw err;
        if (file === 'index.html') {
          // A server error, not a 404: the URL is right, the deployment is incomplete.
          return fail(res, scope, ErrorCode.PAGE_NOT_BUILT, `the ${page.title} page is not built: run \`npm run build:pages\``);
        }
        return fail(res, scope, ErrorCode.NOT_FOUND, `no page at ${scope.path}`);
      }

      res.writeHead(200, {
        ...scope.headers,
        ...headers,
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
 * The bundle file a path below a page's path names, or null for anything that
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
