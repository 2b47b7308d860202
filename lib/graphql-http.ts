import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import { ErrorCode } from './errors';
import { BodyTooLargeError, readBody, sendJson } from './http';

export const MAX_GRAPHQL_BODY_BYTES = 1_000_000;

/**
 * Serves an ApolloServer on a plain node:http request. We skip Express: the
 * handler is small, and it leaves one less layer on the gateway's hot path.
 * The caller has already answered routing; this only speaks GraphQL over HTTP.
 */
export async function handleGraphQLRequest<C extends BaseContext>(
  apollo: ApolloServer<C>,
  req: IncomingMessage,
  res: ServerResponse,
  context: () => Promise<C>,
  extraHeaders: Record<string, string> = {},
): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const url = req.url ?? '/';
  const queryAt = url.indexOf('?');

  let body: unknown;
  if (req.method === 'POST') {
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_GRAPHQL_BODY_BYTES);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        sendJson(res, 413, { errors: [{ message: error.message, extensions: { code: ErrorCode.PAYLOAD_TOO_LARGE } }] }, extraHeaders);
        return;
      }
      throw error;
    }
    const contentType = headers.get('content-type') ?? '';
    if (contentType.startsWith('application/json') || contentType.startsWith('application/graphql-response+json')) {
      try {
        body = raw.length ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        sendJson(res, 400, { errors: [{ message: 'request body is not valid JSON', extensions: { code: ErrorCode.BAD_REQUEST } }] }, extraHeaders);
        return;
      }
    } else {
      body = raw.toString('utf8');
    }
  }

  const response = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: queryAt >= 0 ? url.slice(queryAt) : '', body },
    context,
  });

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
