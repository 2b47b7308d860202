import { z } from 'zod';

/**
 * A REST route on its way out: from `since` its answers carry `Deprecation`
 * (RFC 9745) and `Sunset` (RFC 8594) headers, and a `Link` to what replaces
 * it; the OpenAPI document marks the operation deprecated with a line that
 * says when it goes. Configured (REST_DEPRECATIONS), not coded, so an
 * operator announces a sunset without a release.
 */
export interface RouteDeprecation {
  /** `<METHOD> <template>` as the OpenAPI document and the audit log name it, e.g. `GET /v1/decisions`. */
  route: string;
  since: Date;
  sunset: Date;
  /** What clients should move to (a path or URL), sent as Link rel="successor-version". */
  successor?: string;
}

const ISO_DATE = z.string().datetime({ offset: true }).or(z.string().date()).transform((text) => new Date(text));

const DeprecationsSchema = z.array(
  z
    .object({
      route: z.string().regex(/^(GET|POST) \/v1\/\S+$/, 'must be "<GET|POST> /v1/<template>"'),
      since: ISO_DATE,
      sunset: ISO_DATE,
      successor: z.string().min(1).max(2048).regex(/^[^\s<>"]+$/, 'must be a path or URL without spaces or <>"').optional(),
    })
    .strict()
    .refine((d) => d.sunset.getTime() > d.since.getTime(), { message: 'sunset must come after since', path: ['sunset'] }),
);

/** REST_DEPRECATIONS, a JSON array; the message names what is wrong. Routes are checked against the real ones by the REST router. */
export function parseDeprecations(text: string | undefined): RouteDeprecation[] {
  if (!text) return [];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('is not JSON (a list of {"route", "since", "sunset", "successor"?})');
  }
  const result = DeprecationsSchema.safeParse(value);
  if (!result.success) throw new Error(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return result.data;
}

/** The headers of every answer of a deprecated route, refusals included, so a client sees them however it calls. */
export function deprecationHeaders(d: RouteDeprecation): Record<string, string> {
  return {
    // RFC 9745: a structured-field date, seconds since the epoch.
    deprecation: `@${Math.floor(d.since.getTime() / 1000)}`,
    sunset: d.sunset.toUTCString(),
    ...(d.successor && { link: `<${d.successor}>; rel="successor-version"` }),
  };
}

/** The line the OpenAPI document adds to a deprecated operation's description. */
export function deprecationNote(d: RouteDeprecation): string {
  const day = (date: Date) => date.toISOString().slice(0, 10);
  return `Deprecated since ${day(d.since)}; removed after ${day(d.sunset)} (Sunset).${d.successor ? ` Use ${d.successor} instead.` : ''}`;
}
