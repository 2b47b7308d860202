import { runSubgraphAlone } from '../../lib/run-alone';
import { buildAuditSubgraph } from './server';

runSubgraphAlone('audit', buildAuditSubgraph);
