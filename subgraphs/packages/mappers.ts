/** A tenant known here only by its key; the tenants subgraph owns the rest. */
export interface TenantRef {
  id: string;
}
