/**
 * Lints the API schema clients see (the composed supergraph minus federation
 * plumbing, as introspection shows it) with @graphql-eslint's
 * `schema-recommended` and `schema-relay` rules and the exceptions of
 * schema/lint-config.ts. It composes the subgraph SDLs itself rather than
 * reading schema/supergraph.graphql, so an edit is judged before anyone
 * regenerates. Prints every finding and the count; exits 1 on any error.
 * test/schema-lint.test.ts runs the same function under `npm test`.
 */
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import graphqlEslint from '@graphql-eslint/eslint-plugin';
import { ESLint, type Linter } from 'eslint';
import { Kind, parse, printSchema, visit, type ASTNode } from 'graphql';
import { SCHEMA_LINT_EXCEPTIONS, SCHEMA_LINT_RULES, type LintException } from '../schema/lint-config';
import { SUBGRAPHS, defaultSubgraphUrl, readSubgraphSdl } from '../lib/supergraph';

export interface LintFinding {
  rule: string;
  /** The schema coordinate the finding is about: `Type`, `Type.field`, `Type.field(arg:)`. */
  at: string;
  line: number;
  message: string;
}

export interface SchemaLintResult {
  /** Findings no exception covers, and exceptions that cover nothing. */
  errors: LintFinding[];
  /** Findings an exception allows. */
  excepted: LintFinding[];
  /** Rules that reported anything, exceptions aside, with their counts. */
  rulesBroken: Record<string, number>;
}

/** The composed API schema as SDL, from the subgraph SDLs under schema/. */
export function composedApiSdl(): string {
  const result = composeServices(SUBGRAPHS.map(({ name }) => ({ name, url: defaultSubgraphUrl(name), typeDefs: parse(readSubgraphSdl(name)) })));
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return printSchema(Supergraph.build(result.supergraphSdl).apiSchema().toGraphQLJSSchema());
}

export async function lintApiSchema(
  sdl: string = composedApiSdl(),
  exceptions: readonly LintException[] = SCHEMA_LINT_EXCEPTIONS,
): Promise<SchemaLintResult> {
  const eslint = new ESLint({
    cwd: process.cwd(),
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ['**/*.graphql'],
        // schemaSdl: the parser's programmatic mode, so rules that need the whole schema (relay-*, strict-id-in-types) see this one, not a graphql-config on disk.
        languageOptions: { parser: graphqlEslint.parser as Linter.Parser, parserOptions: { schemaSdl: sdl } },
        plugins: { '@graphql-eslint': graphqlEslint as unknown as ESLint.Plugin },
        rules: SCHEMA_LINT_RULES,
      },
    ],
  });
  const [result] = await eslint.lintText(sdl, { filePath: 'api-schema.graphql' });
  const at = coordinatesOf(sdl);
  const findings: LintFinding[] = result!.messages.map((m) => ({
    rule: m.ruleId ?? (m.fatal ? 'fatal' : 'unknown'),
    at: at(m.line, m.column),
    line: m.line,
    message: m.message.replace(/\s*\n\s*/g, ' '),
  }));
  const allows = (f: LintFinding) => exceptions.some((e) => e.rule === f.rule && e.at === f.at);
  const stale = exceptions
    .filter((e) => !findings.some((f) => f.rule === e.rule && f.at === e.at))
    .map((e) => ({ rule: e.rule, at: e.at, line: 0, message: `exception no longer matches a finding: remove it from schema/lint-config.ts (${e.why})` }));
  const rulesBroken: Record<string, number> = {};
  for (const f of findings) if (!allows(f)) rulesBroken[f.rule] = (rulesBroken[f.rule] ?? 0) + 1;
  return { errors: [...findings.filter((f) => !allows(f)), ...stale], excepted: findings.filter(allows), rulesBroken };
}

/**
 * Maps a line and column of the SDL to the innermost definition there, named
 * as a schema coordinate, so exceptions name what they excuse rather than a
 * line number that moves with every edit.
 */
function coordinatesOf(sdl: string): (line: number, column: number) => string {
  const lineStarts = [0];
  for (let i = 0; i < sdl.length; i++) if (sdl[i] === '\n') lineStarts.push(i + 1);
  const spans: Array<{ start: number; end: number; name: string }> = [];
  const parents: string[] = [];
  const named = (node: ASTNode): string | null => {
    switch (node.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_DEFINITION:
      case Kind.DIRECTIVE_DEFINITION:
        return node.name.value;
      case Kind.FIELD_DEFINITION:
      case Kind.ENUM_VALUE_DEFINITION:
        return `${parents[parents.length - 1]}.${node.name.value}`;
      case Kind.INPUT_VALUE_DEFINITION: {
        const parent = parents[parents.length - 1]!;
        return parent.includes('.') ? `${parent}(${node.name.value}:)` : `${parent}.${node.name.value}`;
      }
      default:
        return null;
    }
  };
  visit(parse(sdl), {
    enter(node) {
      const name = named(node);
      if (name === null) return;
      parents.push(name);
      if (node.loc) spans.push({ start: node.loc.start, end: node.loc.end, name });
    },
    leave(node) {
      if (named(node) !== null) parents.pop();
    },
  });
  return (line, column) => {
    const offset = (lineStarts[line - 1] ?? 0) + column - 1;
    let best: { start: number; end: number; name: string } | null = null;
    for (const span of spans) {
      if (span.start <= offset && offset < span.end && (!best || span.end - span.start < best.end - best.start)) best = span;
    }
    return best?.name ?? `line ${line}`;
  };
}

async function main(): Promise<void> {
  const { errors, excepted, rulesBroken } = await lintApiSchema();
  for (const e of errors) console.log(`${e.line ? `api-schema.graphql:${e.line}` : 'schema/lint-config.ts'}  ${e.at}  ${e.rule}  ${e.message}`);
  console.log(`${errors.length} error(s); ${excepted.length} finding(s) allowed by schema/lint-config.ts`);
  if (Object.keys(rulesBroken).length) console.log(`rules broken: ${Object.entries(rulesBroken).map(([r, n]) => `${r} (${n})`).join(', ')}`);
  process.exit(errors.length ? 1 : 0);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
