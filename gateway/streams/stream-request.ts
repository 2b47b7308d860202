import { Kind, visit, type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { requireScope, requireTenantAccess, tenantScope, type Caller } from '../../lib/caller';
import { badUserInput } from '../../lib/errors';
import type { StreamTopic } from '../../lib/streams/outbox-write';
import { decodeStreamCursor, type StreamPosition } from '../../lib/streams/stream-position';
import { STREAM_FIELDS } from './stream-fields';
import type { StreamEvent } from './stream-reader';

/** What a subscription matches, from the outbox row alone: its topic, tenant (null: every tenant) and attribute values. */
export interface EventMatch {
  topic: StreamTopic;
  tenantId: string | null;
  attributes: Record<string, string | readonly string[]>;
}

/** The subscriber's selection, to be asked of the entity each event names (`decision(id:)`). */
export interface StreamSelection {
  /** The Query field that reads one entity by `id`. */
  entityField: string;
  /** The subscription's root field: its selection set and directives are kept, its arguments are not. */
  root: FieldNode;
  /** The operation's variable definitions the selection still uses. */
  variableDefinitions: readonly VariableDefinitionNode[];
  fragments: readonly FragmentDefinitionNode[];
}

/** A checked subscription: what it matches, how each event is resolved, and where it resumes. */
export interface StreamRequest {
  caller: Caller;
  match: EventMatch;
  selection: StreamSelection;
  /** The values of `selection.variableDefinitions`. */
  variables: Record<string, unknown>;
  after: StreamPosition | null;
  /** The response key of the root field: each event's data is `{ [responseKey]: entity }`. */
  responseKey: string;
}

/**
 * Checks a validated subscription operation and turns it into a stream
 * request: one root field, its arguments coerced as graphql-js would, the
 * caller's right to the tenant it names, and the selection to ask of each
 * event's entity, keeping the root field's response key so each event reads
 * exactly as the subscriber asked.
 */
export function streamRequest(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>, caller: Caller): StreamRequest {
  const roots = operation.selectionSet.selections;
  const root = roots[0];
  const field = root?.kind === Kind.FIELD ? STREAM_FIELDS[root.name.value] : undefined;
  if (roots.length !== 1 || root?.kind !== Kind.FIELD || !field) {
    throw badUserInput(`a subscription selects exactly one stream field (${Object.keys(STREAM_FIELDS).join(', ')}), with no fragment around it`);
  }
  requireScope(caller, field.scope);
  const fieldDef = schema.getSubscriptionType()!.getFields()[root.name.value]!;
  const args = getArgumentValues(fieldDef, root, variables) as { filter?: Record<string, unknown> | null; after?: string | null };
  const filter = args.filter ?? {};
  if (filter.createdAfter != null || filter.createdBefore != null) {
    throw badUserInput('filter.createdAfter and filter.createdBefore do not apply to a stream, which has no end', { argument: 'filter' });
  }
  requireTenantAccess(caller, filter.tenantId as string | null | undefined);
  const attributes: EventMatch['attributes'] = {};
  for (const [name, value] of Object.entries(filter)) {
    if (name === 'tenantId' || value == null) continue;
    if (!field.attributes.includes(name)) throw badUserInput(`filter.${name} does not apply to a stream`, { argument: 'filter' });
    attributes[name] = value as string | readonly string[];
  }
  const fragments = document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION);
  const used = new Set<string>();
  // The variables the selection still uses (the root field's own arguments are gone).
  for (const node of [...(root.selectionSet ? [root.selectionSet] : []), ...(root.directives ?? []), ...fragments]) visit(node, { Variable: (v) => void used.add(v.name.value) });
  return {
    caller,
    match: { topic: field.topic, tenantId: tenantScope(caller) ?? (filter.tenantId as string | null | undefined) ?? null, attributes },
    selection: {
      entityField: field.entityField,
      root,
      variableDefinitions: (operation.variableDefinitions ?? []).filter((d) => used.has(d.variable.name.value)),
      fragments,
    },
    variables: Object.fromEntries(Object.entries(variables).filter(([name]) => used.has(name))),
    after: args.after != null ? decodeStreamCursor(args.after) : null,
    responseKey: root.alias?.value ?? root.name.value,
  };
}

export function matches(m: EventMatch, event: StreamEvent): boolean {
  if (event.topic !== m.topic || (m.tenantId !== null && event.tenantId !== m.tenantId)) return false;
  for (const [name, wanted] of Object.entries(m.attributes)) {
    const value = event.attributes[name] ?? null;
    if (typeof wanted === 'string' ? value !== wanted : value === null || !wanted.includes(value)) return false;
  }
  return true;
}
