import { requireTenantAccess, tenantScope, type Caller } from '../../lib/caller';
import { Conditions } from '../../lib/keyset';
import type { DecisionFilter } from './__generated__/resolvers-types';

/**
 * A DecisionFilter as SQL conditions, inside the caller's tenant: the one
 * reading of the filter for the decision list and the decision stats. The
 * time window is left to each (a list takes createdAfter/createdBefore, a
 * report its from/to).
 */
export function decisionFilterConditions(filter: DecisionFilter, caller: Caller): Conditions {
  requireTenantAccess(caller, filter.tenantId);
  return new Conditions()
    .uuid('tenant_id', tenantScope(caller))
    .uuid('tenant_id', filter.tenantId)
    .uuid('package_version_id', filter.packageVersionId)
    .equals('feature_key', filter.feature)
    .anyOf('outcome', filter.outcome, '::"DecisionOutcome"[]')
    .equals('request_id', filter.requestId)
    .equals('subject_type', filter.subjectType)
    .equals('subject_reference', filter.subjectReference);
}
