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
  /**
   * The tenant the credential belongs to; null only for a platform
   * operator, whose credential is made by the CLI and names no tenant.
   */
  readonly tenantId: string | null;
  readonly scopes: ReadonlySet<Scope>;
  /** How the call reached the platform; domain writes record it in their audit events. */
  readonly surface: CallSurface;
}

/**
 * The tenant whose rows the caller may see, or null for every tenant. Only a
 * platform operator reads across tenants; a tenant's `admin` scope manages
 * that tenant and widens nothing.
 */
export function tenantScope(caller: Caller): string | null {
  return caller.tenantId;
}

/** A platform operator: a credential with no tenant, which only the CLI can make. */
export function isPlatformOperator(caller: Caller): boolean {
  return caller.tenantId === null;
}

export function requirePlatformOperator(caller: Caller, what: string): void {
  if (!isPlatformOperator(caller)) throw forbidden(`${what} is for the platform operator only`, { requiredRole: 'platform_operator' });
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
  if (tenantId != null && scope !== null && tenantId !== scope) throw forbidden('this credential belongs to another tenant: it can neither read nor change this one');
}
