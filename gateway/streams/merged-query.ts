import { Kind, print, visit, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import type { GraphAnswer } from './graph-answer';
import type { StreamRequest } from './stream-request';

/**
 * One group's selection renamed under a prefix of its own (`g7`), so that
 * the selections of several groups with the same caller, each for several
 * events, can be asked in one operation: entity `i` of the group is the
 * field aliased `g7_i`, read with `$g7id<i>`; the group's variables become
 * `$g7v_<name>` and its fragments `g7f_<name>`. The prefix is followed by a
 * letter or `_` and never by a digit, so no two groups' names can meet.
 */
export class QueryPart {
  private readonly root: FieldNode;
  private readonly variableDefinitions: readonly VariableDefinitionNode[];
  readonly fragments: readonly FragmentDefinitionNode[];
  /** The group's variable values under their renamed names. */
  readonly variables: Readonly<Record<string, unknown>>;
  private readonly entityField: string;

  constructor(readonly prefix: string, request: StreamRequest) {
    const { selection } = request;
    const rename = <T extends object>(node: T): T =>
      visit(node as never, {
        Variable: (v) => ({ ...v, name: { ...v.name, value: `${prefix}v_${v.name.value}` } }),
        FragmentSpread: (s) => ({ ...s, name: { ...s.name, value: `${prefix}f_${s.name.value}` } }),
        FragmentDefinition: (f) => ({ ...f, name: { ...f.name, value: `${prefix}f_${f.name.value}` } }),
      }) as T;
    this.root = rename(selection.root);
    this.variableDefinitions = selection.variableDefinitions.map(rename);
    this.fragments = selection.fragments.map(rename);
    this.variables = Object.fromEntries(Object.entries(request.variables).map(([name, value]) => [`${prefix}v_${name}`, value]));
    this.entityField = selection.entityField;
  }

  alias(i: number): string {
    return `${this.prefix}_${i}`;
  }

  idVariable(i: number): string {
    return `${this.prefix}id${i}`;
  }

  /** The fields asking for `n` entities, and the variable definitions they need. */
  fields(n: number): { selections: FieldNode[]; variableDefinitions: VariableDefinitionNode[] } {
    const selections: FieldNode[] = [];
    const variableDefinitions = [...this.variableDefinitions];
    for (let i = 0; i < n; i++) {
      const id = this.idVariable(i);
      selections.push({
        kind: Kind.FIELD,
        alias: { kind: Kind.NAME, value: this.alias(i) },
        name: { kind: Kind.NAME, value: this.entityField },
        arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'id' }, value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: id } } }],
        directives: this.root.directives,
        selectionSet: this.root.selectionSet,
      });
      variableDefinitions.push({
        kind: Kind.VARIABLE_DEFINITION,
        variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: id } },
        type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
      });
    }
    return { selections, variableDefinitions };
  }
}

/** What one group asks of a merged operation: its part, and the entities of its events in commit order. */
export interface PartAsk {
  part: QueryPart;
  entityIds: readonly string[];
}

/** The one operation asking every part for its entities. */
export function mergedQuery(asks: readonly PartAsk[]): string {
  const selections: FieldNode[] = [];
  const variableDefinitions: VariableDefinitionNode[] = [];
  const fragments: FragmentDefinitionNode[] = [];
  for (const { part, entityIds } of asks) {
    const fields = part.fields(entityIds.length);
    selections.push(...fields.selections);
    variableDefinitions.push(...fields.variableDefinitions);
    fragments.push(...part.fragments);
  }
  const operation: OperationDefinitionNode = {
    kind: Kind.OPERATION_DEFINITION,
    operation: 'query' as OperationDefinitionNode['operation'],
    name: { kind: Kind.NAME, value: 'StreamEvents' },
    variableDefinitions,
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
  return print({ kind: Kind.DOCUMENT, definitions: [operation, ...fragments] });
}

/** The variables of the merged operation. */
export function mergedVariables(asks: readonly PartAsk[]): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const { part, entityIds } of asks) {
    Object.assign(variables, part.variables);
    entityIds.forEach((id, i) => (variables[part.idVariable(i)] = id));
  }
  return variables;
}

/** An error of a merged answer, as the subscriber will see it once its own root key is known. */
export interface EntityError {
  message: string;
  extensions?: Record<string, unknown>;
  /** With `rooted`, the path below the subscription's root field; otherwise the error's own path, if any. */
  path?: ReadonlyArray<string | number>;
  rooted: boolean;
}

/** One entity's share of a merged answer: its value (null when absent) and its errors. */
export interface EntityAnswer {
  entity: unknown;
  errors: EntityError[];
  /** Whether the whole answer had no data (a request error): the subscriber gets `data: null`. */
  noData: boolean;
}

/**
 * Splits a merged answer back per part and entity: each gets its own field,
 * the errors whose path starts at its alias (kept as the path below it, for
 * the subscriber's own root key to go in front), and the errors of the whole
 * operation (no path, or a path no part owns).
 */
export function splitAnswer(answer: GraphAnswer, asks: readonly PartAsk[]): EntityAnswer[][] {
  const byAlias = new Map<string, { k: number; i: number }>();
  asks.forEach(({ part, entityIds }, k) => entityIds.forEach((_, i) => byAlias.set(part.alias(i), { k, i })));
  const own = asks.map(({ entityIds }) => entityIds.map((): EntityError[] => []));
  const shared: EntityError[] = [];
  for (const e of answer.errors ?? []) {
    const path = (e as { path?: Array<string | number> }).path;
    const at = typeof path?.[0] === 'string' ? byAlias.get(path[0]) : undefined;
    if (at) own[at.k]![at.i]!.push({ message: e.message, extensions: e.extensions, path: path!.slice(1), rooted: true });
    else shared.push({ message: e.message, extensions: e.extensions, path, rooted: false });
  }
  const noData = answer.data === null || answer.data === undefined;
  return asks.map(({ part, entityIds }, k) =>
    entityIds.map((_, i) => ({ entity: answer.data?.[part.alias(i)] ?? null, errors: [...own[k]![i]!, ...shared], noData })),
  );
}
