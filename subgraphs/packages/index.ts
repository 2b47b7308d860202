import { runSubgraphAlone } from '../../lib/subgraph/run-alone';
import { buildPackagesSubgraph } from './server';

runSubgraphAlone('packages', buildPackagesSubgraph);
