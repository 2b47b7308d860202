import { runSubgraphAlone } from '../../lib/subgraph/run-alone';
import { buildDecisionsSubgraph } from './server';

runSubgraphAlone('decisions', buildDecisionsSubgraph);
