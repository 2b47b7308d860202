import { DateTimeScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { AuditEvent } from './AuditEvent';
import { AuditEventConnection } from './AuditEventConnection';
import { AuditStatsRow } from './AuditStatsRow';
import { Decision } from './Decision';
import { Lineage } from './Lineage';
import { Query } from './Query';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, AuditEvent, AuditEventConnection, Decision, Lineage, AuditStatsRow };
