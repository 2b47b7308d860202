import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLResponse } from '@apollo/server';
import { ErrorCode } from './errors';
import { BodyTooLargeError, readBody, sendJson } from './http';

export const MAX_GRAPHQL_BODY_BYTES = 1_000_000;

/** A GraphQL-over-HTTP request as read off the wire: its body parsed when it is JSON, its query string. */
export type GraphQLHttpRequest =
  | { ok: true; method: string; headers: HeaderMap; search: string; body: unknown }
  | { ok: false; status: number; code: ErrorCode; message: string };

/**
 * Reads a request for Apollo. We skip Express: the handler is small, and it
 * leaves one less layer on the hot path. What cannot be read (too large,
 * not JSON) is answered by the caller, who can then record it.
 */
export async function readGraphQLRequest(req: IncomingMessage, maxBytes = MAX_GRAPHQL_BODY_BYTES): Promise<GraphQLHttpRequest> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');
  const search = queryAt >= 0 ? url.slice(queryAt) : '';
  const method = req.method ?? 'GET';
  if (method !== 'POST') {
    req.resume();
    return { ok: true, method, headers, search, body: undefined };
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, maxBytes);
  } catch (error) {
    if (error instanceof BodyTooLargeError) return { ok: false, status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message: error.message };
    throw error;
  }
  const contentType = headers.get('content-type') ?? '';
  if (!contentType.startsWith('application/json') && !contentType.startsWith('application/graphql-response+json')) {
    // Apollo refuses other types itself, with the standard answer; it reads the body as text.
    return { ok: true, method, headers, search, body: raw.toString('utf8') };
  }
  try {
    return { ok: true, method, headers, search, body: raw.length ? JSON.parse(raw.toString('utf8')) : undefined };
  } catch {
    return { ok: false, status: 400, code: ErrorCode.BAD_REQUEST, message: 'request body is not valid JSON' };
  }
}

/** Runs a read request through Apollo and returns the answer unwritten, so the caller can still look at it. */
export function runGraphQLRequest<C extends BaseContext>(
  apollo: ApolloServer<C>,
  request: Extract<GraphQLHttpRequest, { ok: true }>,
  context: () => Promise<C>,
): Promise<HTTPGraphQLResponse> {
  return apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: request.method, headers: request.headers, search: request.search, body: request.body },
    context,
  });
}

/** Writes Apollo's answer, with the headers every response of ours carries. */
export async function writeGraphQLResponse(res: ServerResponse, response: HTTPGraphQLResponse, extraHeaders: Record<string, string>): Promise<void> {
  const outHeaders: Record<string, string> = { ...extraHeaders };
  for (const [key, value] of response.headers) outHeaders[key] = value;
  if (response.body.kind === 'complete') {
    outHeaders['content-length'] = String(Buffer.byteLength(response.body.string));
    res.writeHead(response.status ?? 200, outHeaders);
    res.end(response.body.string);
    return;
  }
  res.writeHead(response.status ?? 200, outHeaders);
  for await (const chunk of response.body.asyncIterator) res.write(chunk);
  res.end();
}

/** The whole exchange, as a subgraph serves it: read, run, write. */
export async function handleGraphQLRequest<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  context: () => Promise<C>,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const request = await readGraphQLRequest(req);
  if (!request.ok) return sendJson(res, request.status, { errors: [{ message: request.message, extensions: { code: request.code } }] }, extraHeaders);
  await writeGraphQLResponse(res, await runGraphQLRequest(apollo, request, context), extraHeaders);
}
