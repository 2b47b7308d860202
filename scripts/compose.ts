/**
 * Composes the subgraph SDLs under schema/ into schema/supergraph.graphql,
 * which the gateway loads at start, and prints the graph clients see (the
 * supergraph's API schema) into schema/api.graphql, which the typed client
 * is generated from and schema checks compare. `--check` fails instead of
 * writing when either committed file is stale.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse, printSchema } from 'graphql';
import { apiSchemaOf } from '../gateway/graphql/apollo';
import { composeServices } from '@apollo/composition';
import { API_SCHEMA_PATH, SUBGRAPHS, SUPERGRAPH_PATH, readSubgraphSdl, defaultSubgraphUrl } from '../lib/supergraph';

export function composeSupergraph(): string {
  const result = composeServices(
    SUBGRAPHS.map(({ name }) => ({
      name,
      url: defaultSubgraphUrl(name),
      typeDefs: parse(readSubgraphSdl(name)),
    })),
  );
  if (result.errors) {
    throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  }
  for (const hint of result.hints ?? []) console.warn(`hint: ${hint.toString()}`);
  return result.supergraphSdl.trimEnd() + '\n';
}

/** The API schema clients introspect, printed: no federation machinery, no @inaccessible parts. */
export function printApiSchema(supergraphSdl: string): string {
  return printSchema(apiSchemaOf(supergraphSdl)).trimEnd() + '\n';
}

function main(): void {
  const supergraph = composeSupergraph();
  const outputs = [
    { path: SUPERGRAPH_PATH, text: supergraph },
    { path: API_SCHEMA_PATH, text: printApiSchema(supergraph) },
  ];
  if (process.argv.includes('--check')) {
    const stale = outputs.filter((o) => (existsSync(o.path) ? readFileSync(o.path, 'utf8') : '') !== o.text);
    for (const o of stale) console.error(`${o.path} is stale: run \`npm run generate:supergraph\` and commit it`);
    if (stale.length > 0) process.exit(1);
    console.log('schema/supergraph.graphql and schema/api.graphql are up to date');
    return;
  }
  for (const o of outputs) {
    writeFileSync(o.path, o.text);
    console.log(`wrote ${o.path}`);
  }
}

if (require.main === module) main();
