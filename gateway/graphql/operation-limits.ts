import { GraphQLError, Kind, parse, visit, type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { ErrorCode } from '../../lib/errors';
import { DEFAULT_LIMITS, type OperationLimits } from '../../lib/limits';
import { analyzeOperation, type OperationDemand } from './operation-analysis';

/** What broke a limit: named, with the bound and what the document asked for (or input no field accepts). */
export class LimitExceeded extends GraphQLError {
  constructor(code: ErrorCode, message: string, limit?: { name: keyof OperationLimits; max: number; actual: number }) {
    super(message, { extensions: { code, ...(limit && { limit }) } });
  }
}

interface ParsedDocument {
  document: DocumentNode;
  /** A string literal holds NUL, which no text column (and no JSON PostgreSQL stores) can hold. */
  nulLiteral: boolean;
  operations: OperationDefinitionNode[];
  fragments: Map<string, FragmentDefinitionNode>;
  directives: number;
}

export type Verdict =
  | { ok: true; demand: OperationDemand | null }
  | { ok: false; error: LimitExceeded };

// Dashboards repeat the same few documents: parse and count each once. The
// cache is bounded by entries and by the bytes of the documents it holds.
const CACHE_ENTRIES = 1_000;
const CACHE_BYTES = 8 * 1024 * 1024;

/**
 * Checks an operation against the limits before Apollo parses, validates or
 * plans it, so a refusal costs one bounded parse (the token limit stops the
 * parser itself) and one linear walk of the document, never a subgraph call.
 * A document that does not parse, or names no operation, passes here:
 * Apollo answers it with its own standard error.
 */
export class OperationGuard {
  private readonly cache = new Map<string, ParsedDocument | null>();
  private cachedBytes = 0;

  constructor(
    private readonly schema: GraphQLSchema,
    readonly limits: OperationLimits = DEFAULT_LIMITS,
  ) {}

  check(query: string, operationName: string | null | undefined, variables: Record<string, unknown>): Verdict {
    const limits = this.limits;
    const bytes = Buffer.byteLength(query);
    if (bytes > limits.maxDocumentBytes) {
      return refuse(ErrorCode.DOCUMENT_TOO_LARGE, `the document is ${bytes} bytes; the limit is ${limits.maxDocumentBytes}`, 'maxDocumentBytes', limits.maxDocumentBytes, bytes);
    }
    let parsed: ParsedDocument | null;
    try {
      parsed = this.parsed(query);
    } catch (error) {
      if (error instanceof LimitExceeded) return { ok: false, error };
      throw error;
    }
    const inspected = inspectVariables(variables, MAX_VARIABLES_DEPTH);
    if (inspected === 'too_deep') return badInput(`variables are nested deeper than ${MAX_VARIABLES_DEPTH} levels`);
    if (inspected === 'nul') return badInput('a variable holds a NUL character (\\u0000), which no field accepts');
    if (!parsed) return { ok: true, demand: null };
    if (parsed.nulLiteral) return badInput('a string in the document holds a NUL character (\\u0000), which no field accepts');
    const operation = operationName ? parsed.operations.find((o) => o.name?.value === operationName) : parsed.operations.length === 1 ? parsed.operations[0] : undefined;
    if (!operation) return { ok: true, demand: null };
    const demand = analyzeOperation(this.schema, { operation, fragments: parsed.fragments }, variables, parsed.directives);
    const checks: Array<[boolean, ErrorCode, keyof OperationLimits, number, string]> = [
      [demand.depth > limits.maxDepth, ErrorCode.DEPTH_LIMIT_EXCEEDED, 'maxDepth', demand.depth, 'the operation is nested'],
      [demand.introspectionDepth > limits.maxIntrospectionDepth, ErrorCode.DEPTH_LIMIT_EXCEEDED, 'maxIntrospectionDepth', demand.introspectionDepth, 'the introspection is nested'],
      [demand.aliases > limits.maxAliases, ErrorCode.ALIAS_LIMIT_EXCEEDED, 'maxAliases', demand.aliases, 'the operation uses aliases'],
      [demand.rootFields > limits.maxRootFields, ErrorCode.ROOT_FIELD_LIMIT_EXCEEDED, 'maxRootFields', demand.rootFields, 'the operation selects root fields'],
      [demand.directives > limits.maxDirectives, ErrorCode.DIRECTIVE_LIMIT_EXCEEDED, 'maxDirectives', demand.directives, 'the document uses directives'],
      [demand.cost > limits.maxCost, ErrorCode.COST_LIMIT_EXCEEDED, 'maxCost', demand.cost, 'the estimated cost is'],
      [demand.introspectionCost > limits.maxIntrospectionCost, ErrorCode.COST_LIMIT_EXCEEDED, 'maxIntrospectionCost', demand.introspectionCost, 'the estimated introspection cost is'],
    ];
    for (const [broken, code, name, actual, what] of checks) {
      if (broken) return refuse(code, `${what} ${actual}${/nested/.test(what) ? ' levels deep' : ''}; the limit is ${limits[name]}`, name, limits[name], actual);
    }
    return { ok: true, demand };
  }

  private parsed(query: string): ParsedDocument | null {
    const hit = this.cache.get(query);
    if (hit !== undefined) {
      // Refresh its place: the map's order is the eviction order.
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    let document: DocumentNode;
    try {
      document = parse(query, { maxTokens: this.limits.maxTokens, noLocation: true });
    } catch (error) {
      const message = (error as Error).message;
      // graphql-js words it "more that N tokens" (sic).
      if (/more th(?:an|at) \d+ tokens/.test(message)) {
        const limit = this.limits.maxTokens;
        throw new LimitExceeded(ErrorCode.TOKEN_LIMIT_EXCEEDED, `the document has more than ${limit} tokens`, { name: 'maxTokens', max: limit, actual: limit + 1 });
      }
      this.remember(query, null);
      return null;
    }
    let directives = 0;
    let nulLiteral = false;
    visit(document, {
      Directive: () => void directives++,
      StringValue: (node) => void (nulLiteral ||= node.value.includes('\0')),
    });
    const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    const fragments = new Map(
      document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
    );
    const parsed = { document, nulLiteral, operations, fragments, directives };
    this.remember(query, parsed);
    return parsed;
  }

  private remember(query: string, parsed: ParsedDocument | null): void {
    this.cache.set(query, parsed);
    this.cachedBytes += query.length;
    for (const [oldest] of this.cache) {
      if (this.cache.size <= CACHE_ENTRIES && this.cachedBytes <= CACHE_BYTES) break;
      this.cache.delete(oldest);
      this.cachedBytes -= oldest.length;
    }
  }
}

/** No argument of the graph is nested this deep; deeper variables are refused before anything walks them recursively. */
export const MAX_VARIABLES_DEPTH = 32;

/** Walks variables without recursion, so no nesting can overflow the stack. */
export function inspectVariables(value: unknown, maxDepth: number): 'ok' | 'nul' | 'too_deep' {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length) {
    const [current, depth] = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\0')) return 'nul';
      continue;
    }
    if (current === null || typeof current !== 'object') continue;
    if (depth >= maxDepth) return 'too_deep';
    for (const [key, item] of Object.entries(current)) {
      if (key.includes('\0')) return 'nul';
      stack.push([item, depth + 1]);
    }
  }
  return 'ok';
}

function badInput(message: string): Verdict {
  return { ok: false, error: new LimitExceeded(ErrorCode.BAD_USER_INPUT, message) };
}

function refuse(code: ErrorCode, message: string, name: keyof OperationLimits, max: number, actual: number): Verdict {
  return { ok: false, error: new LimitExceeded(code, message, { name, max, actual }) };
}
