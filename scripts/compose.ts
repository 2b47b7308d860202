/**
 * Composes the subgraph SDLs under schema/ into schema/supergraph.graphql,
 * which the gateway loads at start. `--check` fails instead of writing when
 * the committed file is stale.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { SUBGRAPHS, SUPERGRAPH_PATH, readSubgraphSdl, defaultSubgraphUrl } from '../lib/supergraph';

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

function main(): void {
  const supergraph = composeSupergraph();
  if (process.argv.includes('--check')) {
    const committed = existsSync(SUPERGRAPH_PATH) ? readFileSync(SUPERGRAPH_PATH, 'utf8') : '';
    if (committed !== supergraph) {
      console.error('schema/supergraph.graphql is stale: run `npm run generate:supergraph` and commit it');
      process.exit(1);
    }
    console.log('schema/supergraph.graphql is up to date');
    return;
  }
  writeFileSync(SUPERGRAPH_PATH, supergraph);
  console.log(`wrote ${SUPERGRAPH_PATH}`);
}

if (require.main === module) main();
