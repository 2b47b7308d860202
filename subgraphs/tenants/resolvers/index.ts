import { DateTimeScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Query } from './Query';
import { Tenant } from './Tenant';

export const resolvers: Resolvers = { DateTime: DateTimeScalar, Query, Tenant };
