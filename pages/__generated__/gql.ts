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
};
const documents: Documents = {
    "query DecisionLineage($id: ID!) {\n  lineage(decisionId: $id) {\n    requestId\n    originatingRequest {\n      surface\n      operationName\n      status\n    }\n    events {\n      action\n      surface\n      actor\n      createdAt\n    }\n    decision {\n      outcome\n      reasons\n      policyHash\n      packageVersion {\n        version\n        package {\n          slug\n        }\n      }\n    }\n  }\n}": types.DecisionLineageDocument,
    "query DecisionReport {\n  decisionStats(\n    from: \"2026-08-01T00:00:00Z\"\n    to: \"2026-11-01T00:00:00Z\"\n    bucket: DAY\n    timezone: \"Europe/London\"\n    groupBy: [FEATURE, OUTCOME]\n    compareTo: PREVIOUS_PERIOD\n  ) {\n    rows {\n      bucketStart\n      bucketEnd\n      partial\n      feature\n      outcome\n      count\n      latencyMs {\n        p95\n      }\n      previous {\n        count\n      }\n    }\n    totals {\n      count\n      outcomes {\n        outcome\n        rate\n      }\n      confidence {\n        mean\n        histogram {\n          lower\n          upper\n          count\n        }\n      }\n    }\n  }\n}": types.DecisionReportDocument,
    "subscription DecisionsToReview($after: String) {\n  decisionCreated(filter: {outcome: [DECLINE, REVIEW]}, after: $after) {\n    id\n    outcome\n    feature\n    createdAt\n    tenant {\n      slug\n      plan\n    }\n    packageVersion {\n      version\n      package {\n        riskTier\n      }\n    }\n    lineage {\n      events {\n        action\n      }\n    }\n  }\n}": types.DecisionsToReviewDocument,
    "query DeclinedDecisions {\n  decisions(first: 3, filter: {outcome: [DECLINE]}) {\n    totalCount\n    edges {\n      node {\n        feature\n        outcome\n        confidence\n        reasons\n        tenant {\n          slug\n        }\n        packageVersion {\n          version\n          package {\n            slug\n          }\n        }\n        lineage {\n          requestId\n          events {\n            action\n            surface\n          }\n        }\n      }\n    }\n  }\n}": types.DeclinedDecisionsDocument,
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

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;