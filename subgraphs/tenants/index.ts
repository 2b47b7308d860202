import { runSubgraphAlone } from '../../lib/run-alone';
import { buildTenantsSubgraph } from './server';

runSubgraphAlone('tenants', buildTenantsSubgraph);
