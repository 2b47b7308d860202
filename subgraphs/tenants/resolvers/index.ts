import { DateTimeScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { ApiKey } from './ApiKey';
import { Mutation } from './Mutation';
import { Query } from './Query';
import { Tenant } from './Tenant';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Mutation, Tenant, ApiKey };
