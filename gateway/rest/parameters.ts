import { ErrorCode } from '../../lib/errors';
import { RestError } from './envelope';

/**
 * Refuses a query string with a parameter the route does not take, or one
 * given twice: silently ignoring either would answer a question the client
 * did not ask.
 */
export function refuseUnknownOrRepeated(params: URLSearchParams, allowed: readonly string[]): void {
  const names = [...new Set(params.keys())];
  const unknown = names.filter((k) => !allowed.includes(k));
  if (unknown.length) throw new RestError(ErrorCode.UNKNOWN_PARAMETER, `unknown query parameter: ${unknown.join(', ')}`, { parameters: unknown, allowed });
  const repeated = names.filter((k) => params.getAll(k).length > 1);
  if (repeated.length) {
    throw new RestError(ErrorCode.INVALID_PARAMETER, `query parameter given more than once: ${repeated.join(', ')} (use a comma list where a parameter takes several values)`, { parameters: repeated });
  }
}

/** A comma list parameter, upper-cased to the graph's enum spelling; null when absent. */
export function enumList(params: URLSearchParams, name: string): string[] | null {
  const raw = params.get(name);
  return raw === null ? null : raw.split(',').map((v) => v.trim().toUpperCase());
}
