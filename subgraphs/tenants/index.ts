import { runSubgraphAlone } from '../../lib/subgraph/run-alone';
import { buildTenantsSubgraph } from './server';

runSubgraphAlone('tenants', buildTenantsSubgraph);
