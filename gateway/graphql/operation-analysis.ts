import {
  getNamedType,
  isAbstractType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { DEFAULT_CONNECTION, FIELD_COSTS, LIST_SIZES, UNLISTED_LIST_SIZE, type SlicedList } from '../../schema/demand';

/**
 * What one operation asks of the graph, measured on its document before
 * anything runs. We measure it ourselves rather than with graphql-armor's
 * rules because the limits need what those rules do not give: an estimated
 * cost that multiplies list sizes by their slicing argument (armor's cost
 * limit prices every field alike), a bound on introspection instead of
 * skipping it (armor's max-depth ignores everything under `__schema`), a
 * root-field count, and results the gateway can put in a specific error
 * code and reuse as the rate limiter's weight.
 */
export interface OperationDemand {
  /** Deepest field below the root, fragments expanded where they are spread, introspection aside. */
  depth: number;
  /** Deepest field below `__schema` or `__type`, counted from that field. */
  introspectionDepth: number;
  /** Aliased fields, counted once per place a fragment is spread. */
  aliases: number;
  /** Fields of the root type, fragments on the root expanded. */
  rootFields: number;
  /** Directives written in the document. */
  directives: number;
  /** Estimated cost: every object field 1, times its list size, plus FIELD_COSTS (introspection aside). */
  cost: number;
  /** Estimated cost of the introspection part, with list sizes taken from the schema itself. */
  introspectionCost: number;
  /** Whether the operation reads `__schema` or `__type`. */
  introspection: boolean;
}

// Multiplying list sizes can overflow any bound; the numbers stay meaningful up to here.
const SATURATED = 1e15;
const add = (a: number, b: number) => Math.min(SATURATED, a + b);
const mul = (a: number, b: number) => Math.min(SATURATED, a * b);

interface Measure {
  depth: number;
  introspectionDepth: number;
  aliases: number;
  cost: number;
  introspectionCost: number;
  introspection: boolean;
}

const EMPTY: Measure = { depth: 0, introspectionDepth: 0, aliases: 0, cost: 0, introspectionCost: 0, introspection: false };

function merge(a: Measure, b: Measure): Measure {
  return {
    depth: Math.max(a.depth, b.depth),
    introspectionDepth: Math.max(a.introspectionDepth, b.introspectionDepth),
    aliases: add(a.aliases, b.aliases),
    cost: add(a.cost, b.cost),
    introspectionCost: add(a.introspectionCost, b.introspectionCost),
    introspection: a.introspection || b.introspection,
  };
}

// The schema is fixed for the gateway's life: its introspection sizes are read once, not per operation.
const sizesBySchema = new WeakMap<GraphQLSchema, Record<string, number>>();

/** Introspection list sizes, from the schema served: the real bounds of what introspection can return. */
function introspectionSizes(schema: GraphQLSchema): Record<string, number> {
  let sizes = sizesBySchema.get(schema);
  if (!sizes) sizesBySchema.set(schema, (sizes = readIntrospectionSizes(schema)));
  return sizes;
}

function readIntrospectionSizes(schema: GraphQLSchema): Record<string, number> {
  const types = Object.values(schema.getTypeMap());
  let fields = 1;
  let args = 1;
  let enumValues = 1;
  let possible = 1;
  for (const type of types) {
    if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
      const all = Object.values(type.getFields());
      fields = Math.max(fields, all.length);
      for (const field of all) args = Math.max(args, 'args' in field ? field.args.length : 0);
    }
    if (isEnumType(type)) enumValues = Math.max(enumValues, type.getValues().length);
    if (isAbstractType(type)) possible = Math.max(possible, schema.getPossibleTypes(type).length);
  }
  return {
    types: types.length,
    directives: schema.getDirectives().length,
    fields,
    inputFields: fields,
    args: Math.max(args, ...schema.getDirectives().map((d) => d.args.length)),
    enumValues,
    interfaces: possible,
    possibleTypes: possible,
  };
}

function isListOf(type: GraphQLOutputType): boolean {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner);
}

function sliceSize(list: SlicedList, args: readonly { name: { value: string }; value: ValueNode }[], variables: Record<string, unknown>): number {
  for (const arg of args) {
    if (!list.slicingArguments.includes(arg.name.value)) continue;
    const raw = arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : arg.value.kind === Kind.INT ? Number(arg.value.value) : undefined;
    // A size we cannot read (null, a string, a missing variable) is priced at the most the field serves.
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0) return list.maxSize;
    return Math.min(raw, list.maxSize);
  }
  return list.defaultSize;
}

/** Measures the operation `operationName` names (or the only one); null when there is no such operation. */
export function analyzeOperation(
  schema: GraphQLSchema,
  definitions: { operation: OperationDefinitionNode; fragments: Map<string, FragmentDefinitionNode> },
  variables: Record<string, unknown>,
  directiveCount: number,
): OperationDemand {
  const sizes = introspectionSizes(schema);
  // A fragment measures the same wherever it is spread: measured once, even
  // when spread many times (fragments spreading fragments twice over would
  // otherwise cost exponential time to measure).
  const fragmentMemo = new Map<string, Measure>();
  const visiting = new Set<string>();
  const { operation, fragments } = definitions;

  const rootCounts = new Map<string, number>();

  const measureSet = (set: SelectionSetNode, parent: GraphQLCompositeType | null, inIntrospection: boolean, fieldDepth: number): Measure =>
    measureParts(set, parent, inIntrospection, fieldDepth).reduce((total, part) => merge(total, part.measure), EMPTY);

  /** Each selection of a set measured once; `field` names a field selection, so a connection can tell its sized fields. */
  function measureParts(set: SelectionSetNode, parent: GraphQLCompositeType | null, inIntrospection: boolean, fieldDepth: number) {
    const parts: Array<{ field: string | null; measure: Measure }> = [];
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parent;
        parts.push({ field: null, measure: measureSet(selection.selectionSet, type && isCompositeType(type) ? type : null, inIntrospection, fieldDepth) });
      } else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        parts.push({ field: null, measure: measureSpread(selection.name.value, inIntrospection, fieldDepth) });
      } else {
        parts.push({ field: selection.name.value, measure: measureField(selection, parent, inIntrospection, fieldDepth) });
      }
    }
    return parts;
  }

  function measureSpread(name: string, inIntrospection: boolean, fieldDepth: number): Measure {
    const fragment = fragments.get(name);
    // An unknown or cyclic spread is refused by validation later; here it adds nothing.
    if (!fragment || visiting.has(name)) return EMPTY;
    const memoKey = `${name}:${inIntrospection ? 'i' : 'o'}`;
    let measured = fragmentMemo.get(memoKey);
    if (!measured) {
      visiting.add(name);
      const type = schema.getType(fragment.typeCondition.name.value);
      measured = measureSet(fragment.selectionSet, type && isCompositeType(type) ? type : null, inIntrospection, 0);
      visiting.delete(name);
      fragmentMemo.set(memoKey, measured);
    }
    // Depths inside the fragment were counted from 0: shift them to where it is spread.
    return {
      ...measured,
      depth: measured.depth ? measured.depth + fieldDepth : 0,
      introspectionDepth: measured.introspectionDepth ? measured.introspectionDepth + (inIntrospection ? fieldDepth : 0) : 0,
    };
  }

  function measureField(selection: FieldNode, parent: GraphQLCompositeType | null, inIntrospection: boolean, fieldDepth: number): Measure {
    const name = selection.name.value;
    const field: GraphQLField<unknown, unknown> | undefined =
      name === '__schema' ? SchemaMetaFieldDef
      : name === '__type' ? TypeMetaFieldDef
      : parent && 'getFields' in parent ? (parent.getFields() as Record<string, GraphQLField<unknown, unknown>>)[name] : undefined;
    const entersIntrospection = !inIntrospection && (name === '__schema' || name === '__type');
    const introspective = inIntrospection || entersIntrospection;
    const namedType = field ? getNamedType(field.type) : null;
    const composite = namedType && isCompositeType(namedType) ? namedType : null;
    const depth = entersIntrospection ? 1 : fieldDepth + 1;
    const key = parent ? `${parent.name}.${name}` : name;
    const extra = introspective ? 0 : FIELD_COSTS[key] ?? 0;
    const aliases = selection.alias ? 1 : 0;
    if (!selection.selectionSet) {
      return { ...EMPTY, depth: introspective ? 0 : depth, introspectionDepth: introspective ? depth : 0, aliases, cost: extra, introspection: introspective };
    }
    const parts = measureParts(selection.selectionSet, composite, introspective, depth);
    const child = parts.reduce((total, part) => merge(total, part.measure), EMPTY);
    // An object field costs 1, and a list of them its size times (1 + what each item selects).
    let cost: number;
    let size = 1;
    const declared = introspective ? undefined : LIST_SIZES[key] ?? (composite?.name.endsWith('Connection') ? DEFAULT_CONNECTION : undefined);
    if (declared?.kind === 'sliced') {
      // The sized children of a connection (edges, nodes) repeat per item; pageInfo and totalCount do not.
      const pageSize = sliceSize(declared, selection.arguments ?? [], variables);
      cost = parts.reduce((sum, part) => add(sum, mul(part.field && !declared.sizedFields.includes(part.field) ? 1 : pageSize, part.measure.cost)), 1);
    } else {
      if (introspective) size = field && isListOf(field.type) ? sizes[name] ?? UNLISTED_LIST_SIZE : 1;
      else if (declared?.kind === 'assumed') size = declared.size;
      // A connection's edges were priced by its slicing argument already.
      else if (field && isListOf(field.type) && !parent?.name.endsWith('Connection')) size = UNLISTED_LIST_SIZE;
      cost = mul(size, add(1, child.cost));
    }
    return {
      depth: introspective ? 0 : Math.max(depth, child.depth),
      introspectionDepth: introspective ? Math.max(depth, child.introspectionDepth) : child.introspectionDepth,
      aliases: add(child.aliases, aliases),
      cost: introspective ? 0 : add(cost, extra),
      introspectionCost: introspective ? mul(size, add(1, child.introspectionCost)) : child.introspectionCost,
      introspection: child.introspection || introspective,
    };
  }

  function countRootFields(set: SelectionSetNode): number {
    let count = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) count++;
      else if (selection.kind === Kind.INLINE_FRAGMENT) count = add(count, countRootFields(selection.selectionSet));
      else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        let counted = rootCounts.get(name);
        if (counted === undefined) {
          visiting.add(name);
          counted = countRootFields(fragment.selectionSet);
          visiting.delete(name);
          rootCounts.set(name, counted);
        }
        count = add(count, counted);
      }
    }
    return count;
  }

  const rootType = operation.operation === 'mutation' ? schema.getMutationType() : operation.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType();
  const measured = measureSet(operation.selectionSet, rootType ?? null, false, 0);
  return {
    depth: measured.depth,
    introspectionDepth: measured.introspectionDepth,
    aliases: measured.aliases,
    rootFields: countRootFields(operation.selectionSet),
    directives: directiveCount,
    cost: measured.cost,
    introspectionCost: measured.introspectionCost,
    introspection: measured.introspection,
  };
}
