import type { IncomingMessage } from 'node:http';
import { ErrorCode } from '../../lib/errors';
import { BodyTooLargeError, readBody } from '../../lib/http';
import { inspectVariables, MAX_VARIABLES_DEPTH } from '../graphql/operation-limits';
import { RestError } from './envelope';

export const MAX_REST_BODY_BYTES = 64 * 1024;

/** The raw body and its parsed JSON object; every way a body can be wrong has its own code. */
export async function readJsonObject(req: IncomingMessage): Promise<{ raw: Buffer; value: Record<string, unknown> }> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new RestError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, 'send the body as Content-Type: application/json', { content_type: type || null });
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_REST_BODY_BYTES);
  } catch (error) {
    if (error instanceof BodyTooLargeError) throw new RestError(ErrorCode.PAYLOAD_TOO_LARGE, `the body exceeds ${MAX_REST_BODY_BYTES} bytes`, { limit: MAX_REST_BODY_BYTES });
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new RestError(ErrorCode.MALFORMED_JSON, 'the body is not valid JSON', { reason: (error as Error).message });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RestError(ErrorCode.INVALID_BODY, 'the body must be a JSON object');
  const inspected = inspectVariables(value, MAX_VARIABLES_DEPTH);
  if (inspected === 'nul') throw new RestError(ErrorCode.INVALID_BODY, 'a string in the body holds a NUL character (\\u0000), which no field accepts');
  if (inspected === 'too_deep') throw new RestError(ErrorCode.INVALID_BODY, `the body is nested deeper than ${MAX_VARIABLES_DEPTH} levels`);
  return { raw, value: value as Record<string, unknown> };
}

/** Refuses fields the endpoint does not know, so a typo never passes silently. */
export function refuseUnknownFields(value: Record<string, unknown>, allowed: readonly string[], at = ''): void {
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length) {
    throw new RestError(ErrorCode.UNKNOWN_FIELD, `unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.map((k) => at + k).join(', ')}`, {
      fields: unknown.map((k) => at + k),
      allowed: allowed.map((k) => at + k),
    });
  }
}
