import type { SubgraphDeps } from '../lib/subgraph/deps';
import type { SubgraphServer } from '../lib/subgraph/server';
import type { SubgraphName } from '../lib/supergraph';
import { buildAuditSubgraph } from './audit/server';
import { buildDecisionsSubgraph } from './decisions/server';
import { buildPackagesSubgraph } from './packages/server';
import { buildTenantsSubgraph } from './tenants/server';

/** How to build each subgraph by its name: `npm start`, the tests and the benchmarks start them from here. */
export const SUBGRAPH_BUILDERS: Record<SubgraphName, (deps: SubgraphDeps) => SubgraphServer> = {
  decisions: buildDecisionsSubgraph,
  audit: buildAuditSubgraph,
  packages: buildPackagesSubgraph,
  tenants: buildTenantsSubgraph,
};
