import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { isPlatformOperator, type Caller } from './caller';
import { isUuid } from './ids';
import { SCOPES, type Scope } from './vocabulary';

/**
 * What a subgraph learned while answering one call that the gateway's audit
 * record needs and cannot see itself: the highest scope a root field asked
 * for (so `createApiKey` is recorded as an admin operation, not a plain
 * write), and, for a platform operator, which tenants' rows it was given
 * (so each read is also recorded on that tenant's own chain). Sent back in
 * the subgraph answer's `extensions.callFacts`; the gateway never forwards
 * subgraph extensions to clients.
 */
export interface CallFacts {
  scope: Scope | null;
  tenantsRead: string[];
}

export const CALL_FACTS_EXTENSION = 'callFacts';

/** Collects one call's facts; also the gateway's sum over every subgraph fetch of an operation. */
export class CallFactsCollector {
  private scope: Scope | null = null;
  private readonly tenants = new Set<string>();

  needScope(scope: Scope): void {
    if (this.scope === null || SCOPES.indexOf(scope) > SCOPES.indexOf(this.scope)) this.scope = scope;
  }

  readTenant(tenantId: string): void {
    this.tenants.add(tenantId);
  }

  /** Takes in facts a subgraph sent; anything malformed is ignored, the way a stranger's header would be. */
  merge(facts: unknown): void {
    if (typeof facts !== 'object' || facts === null) return;
    const { scope, tenantsRead } = facts as Record<string, unknown>;
    if (typeof scope === 'string' && (SCOPES as readonly string[]).includes(scope)) this.needScope(scope as Scope);
    if (Array.isArray(tenantsRead)) for (const t of tenantsRead) if (typeof t === 'string' && isUuid(t)) this.readTenant(t.toLowerCase());
  }

  /** The highest scope asked for, or `fallback` when it is higher or nothing was asked. */
  scopeAtLeast(fallback: Scope): Scope {
    return this.scope !== null && SCOPES.indexOf(this.scope) > SCOPES.indexOf(fallback) ? this.scope : fallback;
  }

  facts(): CallFacts {
    return { scope: this.scope, tenantsRead: [...this.tenants].sort() };
  }
}

// Carried on the subgraph's context under a symbol, so that no subgraph's
// context type has to declare it. Not a WeakMap keyed by the context: Apollo
// runs each operation on a shallow clone of the context, which keeps own
// symbol properties but is a different key.
const COLLECTOR = Symbol('callFacts');

export function attachCallFacts<C extends object>(context: C): C {
  return Object.assign(context, { [COLLECTOR]: new CallFactsCollector() });
}

export function callFactsOf(context: object): CallFactsCollector | undefined {
  return (context as { [COLLECTOR]?: CallFactsCollector })[COLLECTOR];
}

/**
 * The tenant a resolved object belongs to: a Tenant is its own, every
 * tenant-owned row carries `tenantId`. Packages, versions and features
 * belong to no tenant.
 */
function tenantOf(typeName: string, source: unknown): string | null {
  if (typeof source !== 'object' || source === null) return null;
  const value = typeName === 'Tenant' ? (source as { id?: unknown }).id : (source as { tenantId?: unknown }).tenantId;
  return typeof value === 'string' ? value : null;
}

/**
 * The tenant a root field asks about by argument (`tenantId`, or a filter's
 * `tenantId`): asking is looking, even when nothing is found.
 */
function tenantAskedFor(args: Record<string, unknown>): string | null {
  const filter = args.filter;
  const value = args.tenantId ?? (typeof filter === 'object' && filter !== null ? (filter as { tenantId?: unknown }).tenantId : undefined);
  return typeof value === 'string' && isUuid(value) ? value.toLowerCase() : null;
}

/**
 * A subgraph's plugin: for a platform operator, notes the tenant of every
 * object a field is resolved on (the objects it is given) and every tenant
 * a root field names, and sends the facts back with the answer. Other callers see only their own tenant, so
 * their reads need no per-field notes and pay nothing for them.
 */
export function callFactsPlugin<C extends BaseContext & { caller: Caller }>(): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ contextValue }) {
      const collector = callFactsOf(contextValue);
      if (!collector) return;
      const operator = isPlatformOperator(contextValue.caller);
      return {
        async executionDidStart() {
          if (!operator) return;
          return {
            willResolveField({ source, args, info }) {
              const tenant = info.path.prev === undefined ? tenantAskedFor(args) : tenantOf(info.parentType.name, source);
              if (tenant) collector.readTenant(tenant);
            },
          };
        },
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          result.extensions = { ...result.extensions, [CALL_FACTS_EXTENSION]: collector.facts() };
        },
      };
    },
  };
}
