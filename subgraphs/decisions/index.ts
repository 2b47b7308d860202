import { runSubgraphAlone } from '../../lib/run-alone';
import { buildDecisionsSubgraph } from './server';

runSubgraphAlone('decisions', buildDecisionsSubgraph);
