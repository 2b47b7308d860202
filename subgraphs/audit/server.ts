import { CheckpointKeyring } from '../../lib/audit-log/checkpoint';
import type { SubgraphDeps } from '../../lib/subgraph/deps';
import { createSubgraphServer } from '../../lib/subgraph/server';
import { createContext, type Context } from './context';
import { permissions } from './permissions';
import { resolvers } from './resolvers';
import { AuditStore } from './store';
import { AuditStatsReport } from './stats/audit-stats';

export function buildAuditSubgraph(deps: SubgraphDeps) {
  const store = new AuditStore(deps.db.prisma, deps.cursors, deps.auditCheckpointKeys ?? new CheckpointKeyring([]));
  const stats = new AuditStatsReport(deps.db.prisma);
  return createSubgraphServer<Context>(deps, { name: 'audit', resolvers, permissions, createContext: (caller) => createContext(store, caller, stats) });
}
