import { graphql } from '../__generated__';

/**
 * Every operation the dashboard sends, typed by graphql-codegen's client
 * preset (`npm run generate:types`). Only aggregates feed the charts: the
 * page never pages through decisions, so it costs the same on a tenant with
 * a million of them as on one with a hundred.
 */

/** A tenant credential sees its own tenant only; the platform operator sees every tenant and picks one. */
export const tenantsQuery = graphql(`
  query DashboardTenants {
    tenants {
      id
      slug
      name
      plan
      status
      usage(period: CURRENT_MONTH) {
        used
        quota
        remaining
        percentUsed
        projectedAtPeriodEnd
        projectedOverQuota
        periodStart
        periodEnd
        asOf
      }
    }
  }
`);

/** One row per hour (no groupBy): each row's `outcomes` already splits its count by outcome. */
export const statsQuery = graphql(`
  query DashboardStats($from: DateTime!, $to: DateTime!, $timezone: String!, $tenantId: ID!) {
    decisionStats(from: $from, to: $to, bucket: HOUR, timezone: $timezone, filter: { tenantId: $tenantId }) {
      rows {
        bucketStart
        bucketEnd
        count
        outcomes {
          outcome
          count
          rate
        }
        latencyMs {
          p95
        }
      }
      totals {
        count
        outcomes {
          outcome
          count
          rate
        }
        latencyMs {
          p95
        }
      }
    }
  }
`);

export const healthQuery = graphql(`
  query DashboardHealth($tenantId: ID!, $window: HealthWindow!) {
    featureHealth(tenantId: $tenantId, window: $window) {
      feature
      degraded
      degradedBy
      window {
        count
        latencyP95Ms
        declineRate
      }
      baseline {
        count
        latencyP95Ms
        declineRate
      }
    }
  }
`);

export const liveDecisionFragment = graphql(`
  fragment LiveDecision on Decision {
    id
    feature
    outcome
    confidence
    latencyMs
    createdAt
    subject {
      type
      reference
    }
    streamCursor
  }
`);

/** The newest decisions, to fill the live list before the stream delivers any. */
export const recentDecisionsQuery = graphql(`
  query RecentDecisions($tenantId: ID!, $first: Int!) {
    decisions(first: $first, filter: { tenantId: $tenantId }) {
      edges {
        node {
          ...LiveDecision
        }
      }
    }
  }
`);

export const liveDecisionsSubscription = graphql(`
  subscription LiveDecisions($tenantId: ID!, $after: String) {
    decisionCreated(filter: { tenantId: $tenantId }, after: $after) {
      ...LiveDecision
    }
  }
`);
