/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query DecisionLineage($id: ID!) {\n  lineage(decisionId: $id) {\n    requestId\n    originatingRequest {\n      surface\n      operationName\n      status\n    }\n    events {\n      action\n      surface\n      actor\n      createdAt\n    }\n    decision {\n      outcome\n      reasons\n      policyHash\n      packageVersion {\n        version\n        package {\n          slug\n        }\n      }\n    }\n  }\n}": typeof types.DecisionLineageDocument,
    "query DecisionReport {\n  decisionStats(\n    from: \"2026-08-01T00:00:00Z\"\n    to: \"2026-11-01T00:00:00Z\"\n    bucket: DAY\n    timezone: \"Europe/London\"\n    groupBy: [FEATURE, OUTCOME]\n    compareTo: PREVIOUS_PERIOD\n  ) {\n    rows {\n      bucketStart\n      bucketEnd\n      partial\n      feature\n      outcome\n      count\n      latencyMs {\n        p95\n      }\n      previous {\n        count\n      }\n    }\n    totals {\n      count\n      outcomes {\n        outcome\n        rate\n      }\n      confidence {\n        mean\n        histogram {\n          lower\n          upper\n          count\n        }\n      }\n    }\n  }\n}": typeof types.DecisionReportDocument,
    "subscription DecisionsToReview($after: String) {\n  decisionCreated(filter: {outcome: [DECLINE, REVIEW]}, after: $after) {\n    id\n    outcome\n    feature\n    createdAt\n    tenant {\n      slug\n      plan\n    }\n    packageVersion {\n      version\n      package {\n        riskTier\n      }\n    }\n    lineage {\n      events {\n        action\n      }\n    }\n  }\n}": typeof types.DecisionsToReviewDocument,
    "query DeclinedDecisions {\n  decisions(first: 3, filter: {outcome: [DECLINE]}) {\n    totalCount\n    edges {\n      node {\n        feature\n        outcome\n        confidence\n        reasons\n        tenant {\n          slug\n        }\n        packageVersion {\n          version\n          package {\n            slug\n          }\n        }\n        lineage {\n          requestId\n          events {\n            action\n            surface\n          }\n        }\n      }\n    }\n  }\n}": typeof types.DeclinedDecisionsDocument,
    "\n  query DashboardTenants {\n    tenants {\n      id\n      slug\n      name\n      plan\n      status\n      usage(period: CURRENT_MONTH) {\n        used\n        quota\n        remaining\n        percentUsed\n        projectedAtPeriodEnd\n        projectedOverQuota\n        periodStart\n        periodEnd\n        asOf\n      }\n    }\n  }\n": typeof types.DashboardTenantsDocument,
    "\n  query DashboardStats($from: DateTime!, $to: DateTime!, $timezone: String!, $tenantId: ID!) {\n    decisionStats(from: $from, to: $to, bucket: HOUR, timezone: $timezone, filter: { tenantId: $tenantId }) {\n      rows {\n        bucketStart\n        bucketEnd\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n      totals {\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n    }\n  }\n": typeof types.DashboardStatsDocument,
    "\n  query DashboardHealth($tenantId: ID!, $window: HealthWindow!) {\n    featureHealth(tenantId: $tenantId, window: $window) {\n      feature\n      degraded\n      degradedBy\n      window {\n        count\n        latencyP95Ms\n        declineRate\n      }\n      baseline {\n        count\n        latencyP95Ms\n        declineRate\n      }\n    }\n  }\n": typeof types.DashboardHealthDocument,
    "\n  fragment LiveDecision on Decision {\n    id\n    feature\n    outcome\n    confidence\n    latencyMs\n    createdAt\n    subject {\n      type\n      reference\n    }\n    streamCursor\n  }\n": typeof types.LiveDecisionFragmentDoc,
    "\n  query RecentDecisions($tenantId: ID!, $first: Int!) {\n    decisions(first: $first, filter: { tenantId: $tenantId }) {\n      edges {\n        node {\n          ...LiveDecision\n        }\n      }\n    }\n  }\n": typeof types.RecentDecisionsDocument,
    "\n  subscription LiveDecisions($tenantId: ID!, $after: String) {\n    decisionCreated(filter: { tenantId: $tenantId }, after: $after) {\n      ...LiveDecision\n    }\n  }\n": typeof types.LiveDecisionsDocument,
};
const documents: Documents = {
    "query DecisionLineage($id: ID!) {\n  lineage(decisionId: $id) {\n    requestId\n    originatingRequest {\n      surface\n      operationName\n      status\n    }\n    events {\n      action\n      surface\n      actor\n      createdAt\n    }\n    decision {\n      outcome\n      reasons\n      policyHash\n      packageVersion {\n        version\n        package {\n          slug\n        }\n      }\n    }\n  }\n}": types.DecisionLineageDocument,
    "query DecisionReport {\n  decisionStats(\n    from: \"2026-08-01T00:00:00Z\"\n    to: \"2026-11-01T00:00:00Z\"\n    bucket: DAY\n    timezone: \"Europe/London\"\n    groupBy: [FEATURE, OUTCOME]\n    compareTo: PREVIOUS_PERIOD\n  ) {\n    rows {\n      bucketStart\n      bucketEnd\n      partial\n      feature\n      outcome\n      count\n      latencyMs {\n        p95\n      }\n      previous {\n        count\n      }\n    }\n    totals {\n      count\n      outcomes {\n        outcome\n        rate\n      }\n      confidence {\n        mean\n        histogram {\n          lower\n          upper\n          count\n        }\n      }\n    }\n  }\n}": types.DecisionReportDocument,
    "subscription DecisionsToReview($after: String) {\n  decisionCreated(filter: {outcome: [DECLINE, REVIEW]}, after: $after) {\n    id\n    outcome\n    feature\n    createdAt\n    tenant {\n      slug\n      plan\n    }\n    packageVersion {\n      version\n      package {\n        riskTier\n      }\n    }\n    lineage {\n      events {\n        action\n      }\n    }\n  }\n}": types.DecisionsToReviewDocument,
    "query DeclinedDecisions {\n  decisions(first: 3, filter: {outcome: [DECLINE]}) {\n    totalCount\n    edges {\n      node {\n        feature\n        outcome\n        confidence\n        reasons\n        tenant {\n          slug\n        }\n        packageVersion {\n          version\n          package {\n            slug\n          }\n        }\n        lineage {\n          requestId\n          events {\n            action\n            surface\n          }\n        }\n      }\n    }\n  }\n}": types.DeclinedDecisionsDocument,
    "\n  query DashboardTenants {\n    tenants {\n      id\n      slug\n      name\n      plan\n      status\n      usage(period: CURRENT_MONTH) {\n        used\n        quota\n        remaining\n        percentUsed\n        projectedAtPeriodEnd\n        projectedOverQuota\n        periodStart\n        periodEnd\n        asOf\n      }\n    }\n  }\n": types.DashboardTenantsDocument,
    "\n  query DashboardStats($from: DateTime!, $to: DateTime!, $timezone: String!, $tenantId: ID!) {\n    decisionStats(from: $from, to: $to, bucket: HOUR, timezone: $timezone, filter: { tenantId: $tenantId }) {\n      rows {\n        bucketStart\n        bucketEnd\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n      totals {\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n    }\n  }\n": types.DashboardStatsDocument,
    "\n  query DashboardHealth($tenantId: ID!, $window: HealthWindow!) {\n    featureHealth(tenantId: $tenantId, window: $window) {\n      feature\n      degraded\n      degradedBy\n      window {\n        count\n        latencyP95Ms\n        declineRate\n      }\n      baseline {\n        count\n        latencyP95Ms\n        declineRate\n      }\n    }\n  }\n": types.DashboardHealthDocument,
    "\n  fragment LiveDecision on Decision {\n    id\n    feature\n    outcome\n    confidence\n    latencyMs\n    createdAt\n    subject {\n      type\n      reference\n    }\n    streamCursor\n  }\n": types.LiveDecisionFragmentDoc,
    "\n  query RecentDecisions($tenantId: ID!, $first: Int!) {\n    decisions(first: $first, filter: { tenantId: $tenantId }) {\n      edges {\n        node {\n          ...LiveDecision\n        }\n      }\n    }\n  }\n": types.RecentDecisionsDocument,
    "\n  subscription LiveDecisions($tenantId: ID!, $after: String) {\n    decisionCreated(filter: { tenantId: $tenantId }, after: $after) {\n      ...LiveDecision\n    }\n  }\n": types.LiveDecisionsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DecisionLineage($id: ID!) {\n  lineage(decisionId: $id) {\n    requestId\n    originatingRequest {\n      surface\n      operationName\n      status\n    }\n    events {\n      action\n      surface\n      actor\n      createdAt\n    }\n    decision {\n      outcome\n      reasons\n      policyHash\n      packageVersion {\n        version\n        package {\n          slug\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query DecisionLineage($id: ID!) {\n  lineage(decisionId: $id) {\n    requestId\n    originatingRequest {\n      surface\n      operationName\n      status\n    }\n    events {\n      action\n      surface\n      actor\n      createdAt\n    }\n    decision {\n      outcome\n      reasons\n      policyHash\n      packageVersion {\n        version\n        package {\n          slug\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DecisionReport {\n  decisionStats(\n    from: \"2026-08-01T00:00:00Z\"\n    to: \"2026-11-01T00:00:00Z\"\n    bucket: DAY\n    timezone: \"Europe/London\"\n    groupBy: [FEATURE, OUTCOME]\n    compareTo: PREVIOUS_PERIOD\n  ) {\n    rows {\n      bucketStart\n      bucketEnd\n      partial\n      feature\n      outcome\n      count\n      latencyMs {\n        p95\n      }\n      previous {\n        count\n      }\n    }\n    totals {\n      count\n      outcomes {\n        outcome\n        rate\n      }\n      confidence {\n        mean\n        histogram {\n          lower\n          upper\n          count\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query DecisionReport {\n  decisionStats(\n    from: \"2026-08-01T00:00:00Z\"\n    to: \"2026-11-01T00:00:00Z\"\n    bucket: DAY\n    timezone: \"Europe/London\"\n    groupBy: [FEATURE, OUTCOME]\n    compareTo: PREVIOUS_PERIOD\n  ) {\n    rows {\n      bucketStart\n      bucketEnd\n      partial\n      feature\n      outcome\n      count\n      latencyMs {\n        p95\n      }\n      previous {\n        count\n      }\n    }\n    totals {\n      count\n      outcomes {\n        outcome\n        rate\n      }\n      confidence {\n        mean\n        histogram {\n          lower\n          upper\n          count\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription DecisionsToReview($after: String) {\n  decisionCreated(filter: {outcome: [DECLINE, REVIEW]}, after: $after) {\n    id\n    outcome\n    feature\n    createdAt\n    tenant {\n      slug\n      plan\n    }\n    packageVersion {\n      version\n      package {\n        riskTier\n      }\n    }\n    lineage {\n      events {\n        action\n      }\n    }\n  }\n}"): (typeof documents)["subscription DecisionsToReview($after: String) {\n  decisionCreated(filter: {outcome: [DECLINE, REVIEW]}, after: $after) {\n    id\n    outcome\n    feature\n    createdAt\n    tenant {\n      slug\n      plan\n    }\n    packageVersion {\n      version\n      package {\n        riskTier\n      }\n    }\n    lineage {\n      events {\n        action\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query DeclinedDecisions {\n  decisions(first: 3, filter: {outcome: [DECLINE]}) {\n    totalCount\n    edges {\n      node {\n        feature\n        outcome\n        confidence\n        reasons\n        tenant {\n          slug\n        }\n        packageVersion {\n          version\n          package {\n            slug\n          }\n        }\n        lineage {\n          requestId\n          events {\n            action\n            surface\n          }\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query DeclinedDecisions {\n  decisions(first: 3, filter: {outcome: [DECLINE]}) {\n    totalCount\n    edges {\n      node {\n        feature\n        outcome\n        confidence\n        reasons\n        tenant {\n          slug\n        }\n        packageVersion {\n          version\n          package {\n            slug\n          }\n        }\n        lineage {\n          requestId\n          events {\n            action\n            surface\n          }\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardTenants {\n    tenants {\n      id\n      slug\n      name\n      plan\n      status\n      usage(period: CURRENT_MONTH) {\n        used\n        quota\n        remaining\n        percentUsed\n        projectedAtPeriodEnd\n        projectedOverQuota\n        periodStart\n        periodEnd\n        asOf\n      }\n    }\n  }\n"): (typeof documents)["\n  query DashboardTenants {\n    tenants {\n      id\n      slug\n      name\n      plan\n      status\n      usage(period: CURRENT_MONTH) {\n        used\n        quota\n        remaining\n        percentUsed\n        projectedAtPeriodEnd\n        projectedOverQuota\n        periodStart\n        periodEnd\n        asOf\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardStats($from: DateTime!, $to: DateTime!, $timezone: String!, $tenantId: ID!) {\n    decisionStats(from: $from, to: $to, bucket: HOUR, timezone: $timezone, filter: { tenantId: $tenantId }) {\n      rows {\n        bucketStart\n        bucketEnd\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n      totals {\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DashboardStats($from: DateTime!, $to: DateTime!, $timezone: String!, $tenantId: ID!) {\n    decisionStats(from: $from, to: $to, bucket: HOUR, timezone: $timezone, filter: { tenantId: $tenantId }) {\n      rows {\n        bucketStart\n        bucketEnd\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n      totals {\n        count\n        outcomes {\n          outcome\n          count\n          rate\n        }\n        latencyMs {\n          p95\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DashboardHealth($tenantId: ID!, $window: HealthWindow!) {\n    featureHealth(tenantId: $tenantId, window: $window) {\n      feature\n      degraded\n      degradedBy\n      window {\n        count\n        latencyP95Ms\n        declineRate\n      }\n      baseline {\n        count\n        latencyP95Ms\n        declineRate\n      }\n    }\n  }\n"): (typeof documents)["\n  query DashboardHealth($tenantId: ID!, $window: HealthWindow!) {\n    featureHealth(tenantId: $tenantId, window: $window) {\n      feature\n      degraded\n      degradedBy\n      window {\n        count\n        latencyP95Ms\n        declineRate\n      }\n      baseline {\n        count\n        latencyP95Ms\n        declineRate\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment LiveDecision on Decision {\n    id\n    feature\n    outcome\n    confidence\n    latencyMs\n    createdAt\n    subject {\n      type\n      reference\n    }\n    streamCursor\n  }\n"): (typeof documents)["\n  fragment LiveDecision on Decision {\n    id\n    feature\n    outcome\n    confidence\n    latencyMs\n    createdAt\n    subject {\n      type\n      reference\n    }\n    streamCursor\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentDecisions($tenantId: ID!, $first: Int!) {\n    decisions(first: $first, filter: { tenantId: $tenantId }) {\n      edges {\n        node {\n          ...LiveDecision\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentDecisions($tenantId: ID!, $first: Int!) {\n    decisions(first: $first, filter: { tenantId: $tenantId }) {\n      edges {\n        node {\n          ...LiveDecision\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription LiveDecisions($tenantId: ID!, $after: String) {\n    decisionCreated(filter: { tenantId: $tenantId }, after: $after) {\n      ...LiveDecision\n    }\n  }\n"): (typeof documents)["\n  subscription LiveDecisions($tenantId: ID!, $after: String) {\n    decisionCreated(filter: { tenantId: $tenantId }, after: $after) {\n      ...LiveDecision\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;