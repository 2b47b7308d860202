import { DateTimeScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Decision } from './Decision';
import { DecisionConnection } from './DecisionConnection';
import { Query } from './Query';
import { Tenant } from './Tenant';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Decision, DecisionConnection, Tenant };
