import { DateTimeScalar, JSONScalar } from '../../../lib/scalars';
import type { Resolvers } from '../__generated__/resolvers-types';
import { Feature } from './Feature';
import { Installation } from './Installation';
import { InstallationConnection } from './InstallationConnection';
import { Package } from './Package';
import { PackageVersion } from './PackageVersion';
import { PackageVersionConnection } from './PackageVersionConnection';
import { Query } from './Query';
import { Tenant } from './Tenant';

export const resolvers: Resolvers = {
  DateTime: DateTimeScalar,
  JSON: JSONScalar,
  Query,
  Package,
  PackageVersion,
  Feature,
  Installation,
  PackageVersionConnection,
  InstallationConnection,
  Tenant,
};
