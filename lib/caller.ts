/** Scopes a credential can carry. */
export type Scope = 'read' | 'write' | 'admin';

/**
 * Who is calling, as verified once by the gateway. Every resolver sees the
 * caller through its context; loaders are built per caller so a cache never
 * serves one caller's rows to another.
 */
export interface Caller {
  /** X-Request-Id of the call, echoed in responses, errors and logs. */
  readonly requestId: string;
  /** Key id, token subject, or `anonymous`. */
  readonly actor: string;
  /** The tenant whose data the caller may see; null means every tenant. */
  readonly tenantId: string | null;
  readonly scopes: ReadonlySet<Scope>;
}

/**
 * The caller of a request that carried no credentials. Until credentials
 * are verified (the auth layer), it may read every tenant.
 */
export function anonymousCaller(requestId: string): Caller {
  return { requestId, actor: 'anonymous', tenantId: null, scopes: new Set<Scope>(['read']) };
}
