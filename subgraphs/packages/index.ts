import { runSubgraphAlone } from '../../lib/run-alone';
import { buildPackagesSubgraph } from './server';

runSubgraphAlone('packages', buildPackagesSubgraph);
