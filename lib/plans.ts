/**
 * What each plan gives a tenant that has no limit of its own set. A tenant's
 * `rate_limit_per_minute` starts at its plan's figure (dev/seed writes these)
 * and can be raised or lowered per tenant.
 */
export const PLAN_RATE_LIMIT_PER_MINUTE = { FREE: 100, PRO: 1_000, ENTERPRISE: 10_000 } as const;
