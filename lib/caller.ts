import { forbidden } from './errors';
import type { CallSurface, Scope } from './vocabulary';

export type { CallSurface, Scope } from './vocabulary';

/**
 * Who is calling, as verified once by the gateway from an API key or a JWT.
 * Every resolver sees the caller through its context; loaders are built per
 * caller so a cache never serves one caller's rows to another.
 */
export interface Caller {
  /** X-Request-Id of the call, echoed in responses, errors and logs. */
  readonly requestId: string;
  /** `key:<api key id>` or `jwt:<token subject>`. */
  readonly actor: string;
  /** The tenant the credential belongs to; null for a platform operator's token. */
  readonly tenantId: string | null;
  readonly scopes: ReadonlySet<Scope>;
  /** How the call reached the platform; domain writes record it in their audit events. */
  readonly surface: CallSurface;
}

/**
 * The tenant whose rows the caller may see, or null for every tenant: the
 * admin scope reports across tenants, everyone else sees only their own.
 */
export function tenantScope(caller: Caller): string | null {
  return caller.scopes.has('admin') ? null : caller.tenantId;
}

export function requireScope(caller: Caller, scope: Scope): void {
  if (!caller.scopes.has(scope)) throw forbidden(`this operation needs the ${scope} scope`, { requiredScope: scope });
}

/**
 * A filter that names a tenant the caller cannot see is refused outright
 * (unlike an id lookup, which answers "not found"): the caller asked for
 * that tenant by name, so saying no reveals nothing.
 */
export function requireTenantAccess(caller: Caller, tenantId: string | null | undefined): void {
  const scope = tenantScope(caller);
  if (tenantId != null && scope !== null && tenantId !== scope) throw forbidden('this credential cannot read another tenant');
}
