import { DateTimeScalar, JSONScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Decision } from './Decision';
import { DecisionConnection } from './DecisionConnection';
import { DecisionStatsRow } from './DecisionStatsRow';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Tenant } from './Tenant';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, JSON: JSONScalar, Query, Mutation, Decision, DecisionConnection, Tenant, DecisionStatsRow };
