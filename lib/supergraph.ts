import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The four domain subgraphs: their names in the supergraph, SDL files and default ports. */
export const SUBGRAPHS = [
  { name: 'decisions', port: 4001 },
  { name: 'audit', port: 4002 },
  { name: 'packages', port: 4003 },
  { name: 'tenants', port: 4004 },
] as const;

export type SubgraphName = (typeof SUBGRAPHS)[number]['name'];

export const SCHEMA_DIR = path.resolve(__dirname, '..', 'schema');
export const SUPERGRAPH_PATH = path.join(SCHEMA_DIR, 'supergraph.graphql');
/** The graph clients see, printed from the supergraph by scripts/compose.ts. */
export const API_SCHEMA_PATH = path.join(SCHEMA_DIR, 'api.graphql');

export function subgraphSdlPath(name: SubgraphName): string {
  return path.join(SCHEMA_DIR, `${name}.graphql`);
}

export function readSubgraphSdl(name: SubgraphName): string {
  return readFileSync(subgraphSdlPath(name), 'utf8');
}

/** The URL a subgraph gets in the committed supergraph; the gateway may override it per deployment. */
export function defaultSubgraphUrl(name: SubgraphName): string {
  const { port } = SUBGRAPHS.find((s) => s.name === name)!;
  return `http://127.0.0.1:${port}/graphql`;
}
