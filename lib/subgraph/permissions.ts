import type { GraphQLSchema } from 'graphql';
import { requireScope, type Caller, type Scope } from '../caller';
import { callFactsOf } from '../call-facts';

/**
 * The scope each root field needs, typed against the generated root type so
 * that adding a field to the schema without declaring its scope fails to
 * compile (and, failing that, to start).
 */
export type FieldScopes<Root> = { readonly [K in Exclude<keyof Root, '__typename'>]-?: Scope };

export interface RootPermissions {
  Query?: Readonly<Record<string, Scope>>;
  Mutation?: Readonly<Record<string, Scope>>;
}

type Resolver = (parent: unknown, args: unknown, context: { caller: Caller }, info: unknown) => unknown;

/** Wraps every root resolver with its scope check: one declaration per subgraph, no checks scattered in resolvers. */
export function guardRootFields<R extends object>(resolvers: R, permissions: RootPermissions): R {
  const guarded: Record<string, unknown> = { ...(resolvers as Record<string, unknown>) };
  for (const root of ['Query', 'Mutation'] as const) {
    const fields = (resolvers as Record<string, Record<string, Resolver> | undefined>)[root];
    const scopes = permissions[root];
    if (!fields || !scopes) continue;
    guarded[root] = Object.fromEntries(
      Object.entries(fields).map(([name, resolve]) => {
        const scope = scopes[name];
        const wrapped: Resolver = (parent, args, context, info) => {
          // Noted before the check, so a refused admin operation is still recorded as one.
          callFactsOf(context)?.needScope(scope);
          requireScope(context.caller, scope);
          return resolve(parent, args, context, info);
        };
        return [name, wrapped];
      }),
    );
  }
  return guarded as R;
}

/** Refuses to start a subgraph whose schema has a root field with no declared scope. */
export function assertEveryRootFieldGuarded(schema: GraphQLSchema, permissions: RootPermissions): void {
  const missing: string[] = [];
  for (const [root, type] of [['Query', schema.getQueryType()], ['Mutation', schema.getMutationType()]] as const) {
    for (const name of Object.keys(type?.getFields() ?? {})) {
      // Federation's own fields: reachable only with a signed caller, and every loader below them is tenant-scoped.
      if (name === '_entities' || name === '_service') continue;
      if (!permissions[root]?.[name]) missing.push(`${root}.${name}`);
    }
  }
  if (missing.length) throw new Error(`root fields without a declared scope: ${missing.join(', ')}`);
}
