import { randomBytes } from 'node:crypto';

export const REQUEST_ID_HEADER = 'x-request-id';

// Strict enough to be safe in logs and headers, loose enough for the UUIDs,
// ULIDs and trace ids that clients already generate.
const WELL_FORMED = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function newRequestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}

/** The client's X-Request-Id when it is well formed, otherwise a fresh one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && WELL_FORMED.test(value) ? value : newRequestId();
}
