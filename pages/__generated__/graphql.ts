/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
/** A possible result of a decision. */
export type DecisionOutcome =
  /** The subject passes. */
  | 'APPROVE'
  /** The subject must complete an extra step (e.g. step-up authentication). */
  | 'CHALLENGE'
  /** The subject fails. */
  | 'DECLINE'
  /** A human should look before acting. */
  | 'REVIEW';

/** The commercial plan a tenant is on; it sets the tenant's limits. */
export type Plan =
  /** Contracted plan with negotiated limits. */
  | 'ENTERPRISE'
  /** Evaluation plan with a small monthly quota. */
  | 'FREE'
  /** Paid self-serve plan. */
  | 'PRO';

/** How much harm a wrong decision from the package can do; higher tiers need more review. */
export type RiskTier =
  /** Enriches data; makes no decision. */
  | 'DATA_ONLY'
  /** Decisions with regulatory or large financial impact. */
  | 'HIGH'
  /** Low-impact decisions. */
  | 'LOW'
  /** Decisions with moderate financial or customer impact. */
  | 'MEDIUM';

/** The way a call reached the platform. */
export type Surface =
  /** GraphQL over HTTP. */
  | 'GRAPHQL'
  /** The platform itself (jobs, tooling). */
  | 'INTERNAL'
  /** The versioned REST API under /v1. */
  | 'REST'
  /** GraphQL subscriptions over Server-Sent Events (graphql-sse, on /graphql/stream). */
  | 'SSE'
  /** GraphQL subscriptions over WebSocket (graphql-ws, on /graphql). */
  | 'WEBSOCKET';

export type DecisionLineageQueryVariables = Exact<{
  id: string | number;
}>;


export type DecisionLineageQuery = { lineage: { requestId: string, originatingRequest: { surface: Surface, operationName: string | null, status: string } | null, events: Array<{ action: string, surface: Surface, actor: string, createdAt: string }>, decision: { outcome: DecisionOutcome, reasons: Array<string>, policyHash: string, packageVersion: { version: string, package: { slug: string } } | null } | null } | null };

export type DecisionReportQueryVariables = Exact<{ [key: string]: never; }>;


export type DecisionReportQuery = { decisionStats: { rows: Array<{ bucketStart: string, bucketEnd: string | null, partial: boolean, feature: string | null, outcome: DecisionOutcome | null, count: number, latencyMs: { p95: number | null }, previous: { count: number } | null }>, totals: { count: number, outcomes: Array<{ outcome: DecisionOutcome, rate: number | null }>, confidence: { mean: number | null, histogram: Array<{ lower: number, upper: number, count: number }> } } } | null };

export type DecisionsToReviewSubscriptionVariables = Exact<{
  after?: string | null | undefined;
}>;


export type DecisionsToReviewSubscription = { decisionCreated: { id: string, outcome: DecisionOutcome, feature: string, createdAt: string, tenant: { slug: string, plan: Plan } | null, packageVersion: { version: string, package: { riskTier: RiskTier } } | null, lineage: { events: Array<{ action: string }> } | null } };

export type DeclinedDecisionsQueryVariables = Exact<{ [key: string]: never; }>;


export type DeclinedDecisionsQuery = { decisions: { totalCount: number, edges: Array<{ node: { feature: string, outcome: DecisionOutcome, confidence: number, reasons: Array<string>, tenant: { slug: string } | null, packageVersion: { version: string, package: { slug: string } } | null, lineage: { requestId: string, events: Array<{ action: string, surface: Surface }> } | null } }> } | null };


export const DecisionLineageDocument = {"__meta__":{"hash":"sha256:e52a0d02227bc1934788391d5ee606c1e250323c00c3828fdc4b9e4b66637a00"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DecisionLineage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lineage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"decisionId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"originatingRequest"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"surface"}},{"kind":"Field","name":{"kind":"Name","value":"operationName"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}},{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"surface"}},{"kind":"Field","name":{"kind":"Name","value":"actor"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"decision"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"policyHash"}},{"kind":"Field","name":{"kind":"Name","value":"packageVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<DecisionLineageQuery, DecisionLineageQueryVariables>;
export const DecisionReportDocument = {"__meta__":{"hash":"sha256:f5df65d5ac66a560f6a6172fd1bcca2969ae73cd9a8199e3806f1d7c0fdca20f"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DecisionReport"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"decisionStats"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"from"},"value":{"kind":"StringValue","value":"2026-08-01T00:00:00Z","block":false}},{"kind":"Argument","name":{"kind":"Name","value":"to"},"value":{"kind":"StringValue","value":"2026-11-01T00:00:00Z","block":false}},{"kind":"Argument","name":{"kind":"Name","value":"bucket"},"value":{"kind":"EnumValue","value":"DAY"}},{"kind":"Argument","name":{"kind":"Name","value":"timezone"},"value":{"kind":"StringValue","value":"Europe/London","block":false}},{"kind":"Argument","name":{"kind":"Name","value":"groupBy"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"FEATURE"},{"kind":"EnumValue","value":"OUTCOME"}]}},{"kind":"Argument","name":{"kind":"Name","value":"compareTo"},"value":{"kind":"EnumValue","value":"PREVIOUS_PERIOD"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"bucketStart"}},{"kind":"Field","name":{"kind":"Name","value":"bucketEnd"}},{"kind":"Field","name":{"kind":"Name","value":"partial"}},{"kind":"Field","name":{"kind":"Name","value":"feature"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"latencyMs"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"p95"}}]}},{"kind":"Field","name":{"kind":"Name","value":"previous"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"totals"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}},{"kind":"Field","name":{"kind":"Name","value":"outcomes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"rate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"confidence"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"mean"}},{"kind":"Field","name":{"kind":"Name","value":"histogram"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"lower"}},{"kind":"Field","name":{"kind":"Name","value":"upper"}},{"kind":"Field","name":{"kind":"Name","value":"count"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<DecisionReportQuery, DecisionReportQueryVariables>;
export const DecisionsToReviewDocument = {"__meta__":{"hash":"sha256:4cb9364a7f430988c7780eb604f8aeebcb04c91092f5b1ef92dd19a245a43242"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"DecisionsToReview"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"decisionCreated"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"outcome"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"DECLINE"},{"kind":"EnumValue","value":"REVIEW"}]}}]}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"feature"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}}]}},{"kind":"Field","name":{"kind":"Name","value":"packageVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"riskTier"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DecisionsToReviewSubscription, DecisionsToReviewSubscriptionVariables>;
export const DeclinedDecisionsDocument = {"__meta__":{"hash":"sha256:5b572dccd35349f592829701f7a594b2edaa2bb5bc576ea77fc306659dc53b87"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DeclinedDecisions"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"decisions"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"3"}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"outcome"},"value":{"kind":"ListValue","values":[{"kind":"EnumValue","value":"DECLINE"}]}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"feature"}},{"kind":"Field","name":{"kind":"Name","value":"outcome"}},{"kind":"Field","name":{"kind":"Name","value":"confidence"}},{"kind":"Field","name":{"kind":"Name","value":"reasons"}},{"kind":"Field","name":{"kind":"Name","value":"tenant"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}},{"kind":"Field","name":{"kind":"Name","value":"packageVersion"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"package"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"slug"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"lineage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestId"}},{"kind":"Field","name":{"kind":"Name","value":"events"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"action"}},{"kind":"Field","name":{"kind":"Name","value":"surface"}}]}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<DeclinedDecisionsQuery, DeclinedDecisionsQueryVariables>;