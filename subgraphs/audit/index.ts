import { runSubgraphAlone } from '../../lib/subgraph/run-alone';
import { buildAuditSubgraph } from './server';

runSubgraphAlone('audit', buildAuditSubgraph);
