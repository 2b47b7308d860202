/**
 * The fixed demo catalogue: tenants, capability packages with their versions
 * and features, and what each tenant installed. The specs are plain data so
 * the demo reads like a real marketplace; buildCatalog() turns them into rows
 * with seeded ids and timestamps relative to `now`.
 */
import { PLAN_RATE_LIMIT_PER_MINUTE } from '../../lib/plans';
import type { Condition, ConditionOp, Outcome, Policy, PolicyRule } from '../../subgraphs/decisions/policy/types';
import { canonicalJson } from '../../lib/canonical-json';
import { sha256Hex } from '../../lib/hash';
import { checkFeatureContract, compileInputSchema, type InputSchema } from '../../subgraphs/decisions/policy';
import type { Random, WeightedPairs } from './random';

export type Plan = 'FREE' | 'PRO' | 'ENTERPRISE';
export type TenantStatus = 'ACTIVE' | 'SUSPENDED';
export type RiskTier = 'DATA_ONLY' | 'LOW' | 'MEDIUM' | 'HIGH';
export type PackageStatus = 'DRAFT' | 'PUBLISHED' | 'DEPRECATED';
export type SubjectType = 'person' | 'business' | 'transaction' | 'device';

/** Enum order of DecisionOutcome, so derived outcome lists read the same everywhere. */
export const OUTCOMES: readonly Outcome[] = ['APPROVE', 'DECLINE', 'REVIEW', 'CHALLENGE'];

// ------------------------------------------------------------------ policy

export type { Condition, ConditionGroup, ConditionOp, Outcome, Policy, PolicyRule, Scalar } from '../../subgraphs/decisions/policy/types';

const c = (field: string, op: ConditionOp, value: Condition['value']): Condition => ({ field, op, value });
const rule = (
  id: string,
  when: PolicyRule['when'],
  outcome: Outcome,
  confidence: number,
  reason: string,
): PolicyRule => ({ id, when, outcome, confidence, reason });

/** Rules a package adds in a later version: present from version index `first` on. */
const from = (v: number, first: number, ...rules: PolicyRule[]): PolicyRule[] => (v >= first ? rules : []);

// ------------------------------------------------------------------- plans

export const PLAN_LIMITS: Record<Plan, { monthlyDecisionQuota: number; rateLimitPerMinute: number }> = {
  FREE: { monthlyDecisionQuota: 10_000, rateLimitPerMinute: PLAN_RATE_LIMIT_PER_MINUTE.FREE },
  PRO: { monthlyDecisionQuota: 500_000, rateLimitPerMinute: PLAN_RATE_LIMIT_PER_MINUTE.PRO },
  ENTERPRISE: { monthlyDecisionQuota: 20_000_000, rateLimitPerMinute: PLAN_RATE_LIMIT_PER_MINUTE.ENTERPRISE },
};

/** Share of decision traffic a tenant on each plan sends, relative to the others. */
export const PLAN_TRAFFIC: Record<Plan, number> = { FREE: 1, PRO: 4, ENTERPRISE: 12 };

// ---------------------------------------------------------------- features

/**
 * One attribute of a feature's input: the single source of both its JSON
 * Schema (inputSchemaOf: what callers may send) and the demo generator
 * (what the seed sends). The first range is what the generator draws; the
 * schema accepts `min`/`max` when given (the real domain), else that range.
 */
export type FieldSpec =
  | { int: readonly [number, number]; min?: number; max?: number }
  | { float: readonly [number, number]; min?: number; max?: number }
  /** A closed list, exact case. Repeats weight the draw; `domain` adds values the schema accepts but the demo never sends. */
  | { oneOf: readonly string[]; domain?: readonly string[] }
  /** An ISO 3166-1 alpha-2 country code in upper case; drawn from the list, any code accepted. */
  | { country: readonly string[] }
  /** A boolean, true with this probability. */
  | { bool: number }
  /** An integer 0-100, drawn higher for adverse outcomes so inputs roughly agree with them. */
  | 'risk';

export interface FeatureSpec {
  key: string;
  description: string;
  subjectType: SubjectType;
  /** First version index (0-based) of the package that ships this feature. */
  since: number;
  /** Relative request volume within a tenant that installed it. */
  volume: number;
  latencyMedianMs: number;
  /** Outcome mix; outcomes a version's policy cannot produce are left out. */
  mix: WeightedPairs<Outcome>;
  inputs: Readonly<Record<string, FieldSpec>>;
  /**
   * Attributes a caller may leave out (evidence it may not have), with how
   * often the demo sends them; every other input is required. Rules reading
   * one that is absent cannot be decided, and the policy's `incomplete` says
   * what happens then.
   */
  optional?: Readonly<Record<string, number>>;
  /** The policy as of version index `v`, so later versions differ a little. */
  policy: (v: number) => Policy;
}

export interface VersionSpec {
  version: string;
  changelog: string;
  conformanceScore: number;
  publishedDaysAgo: number;
}

const release = (version: string, publishedDaysAgo: number, conformanceScore: number, changelog: string): VersionSpec => ({
  version,
  changelog,
  conformanceScore,
  publishedDaysAgo,
});

export interface PackageSpec {
  slug: string;
  name: string;
  description: string;
  riskTier: RiskTier;
  status: PackageStatus;
  versions: readonly VersionSpec[];
  features: readonly FeatureSpec[];
}

const COUNTRIES = ['GB', 'US', 'DE', 'FR', 'NL', 'IE', 'ES', 'PL', 'SE', 'CA'] as const;
const CURRENCIES = ['GBP', 'EUR', 'USD'] as const;
// Domain bounds of the schemas: far past the demo's ranges, so they refuse nonsense, not customers.
const MAX_AMOUNT = 100_000_000;
const MAX_COUNT = 100_000;
const MAX_DAYS = 36_500;
const HIGH_RISK_JURISDICTIONS = ['IR', 'KP', 'MM'];

export const PACKAGES: readonly PackageSpec[] = [
  {
    slug: 'kyc-adaptive',
    name: 'Adaptive KYC',
    description: 'Identity verification that steps up its checks as the applicant risk rises.',
    riskTier: 'HIGH',
    status: 'PUBLISHED',
    versions: [
      release('1.0.0', 350, 81, 'Initial release: risk-scored identity checks.'),
      release('1.1.0', 240, 86, 'Adds document verification (kyc.document).'),
      release('1.2.0', 130, 90, 'Lowers the decline threshold to risk score 80.'),
      release('2.0.0', 45, 94, 'Step-up challenge for risky new devices; stricter face match.'),
    ],
    features: [
      {
        key: 'kyc.adaptive',
        description: 'Verifies a person against identity sources, escalating checks with risk.',
        subjectType: 'person',
        since: 0,
        volume: 4,
        latencyMedianMs: 60,
        mix: [['APPROVE', 80], ['REVIEW', 12], ['DECLINE', 8], ['CHALLENGE', 3]],
        inputs: {
          riskScore: 'risk',
          country: { country: COUNTRIES },
          nameMatchScore: { float: [0.4, 1], min: 0, max: 1 },
          sanctionsMatch: { bool: 0.005 },
          deviceAgeDays: { int: [0, 900], max: MAX_DAYS },
        },
        optional: { deviceAgeDays: 0.9 },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('sanctions-hit', { all: [c('sanctionsMatch', 'eq', true)] }, 'DECLINE', 0.97, 'kyc.sanctions_match'),
            rule('risk-high', { all: [c('riskScore', 'gte', v >= 2 ? 80 : 85)] }, 'DECLINE', 0.91, 'risk.score_high'),
            rule('name-mismatch', { any: [c('nameMatchScore', 'lt', 0.6)] }, 'REVIEW', 0.74, 'kyc.name_mismatch'),
            rule('risk-elevated', { all: [c('riskScore', 'gte', 60)] }, 'REVIEW', 0.68, 'risk.score_elevated'),
            ...from(
              v,
              3,
              rule('step-up', { all: [c('riskScore', 'gte', 45), c('deviceAgeDays', 'lt', 2)] }, 'CHALLENGE', 0.7, 'kyc.step_up'),
            ),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'kyc.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.9, reason: 'kyc.verified' },
        }),
      },
      {
        key: 'kyc.document',
        description: 'Checks an identity document for authenticity and matches it to a selfie.',
        subjectType: 'person',
        since: 1,
        volume: 2,
        latencyMedianMs: 120,
        mix: [['APPROVE', 85], ['REVIEW', 10], ['DECLINE', 5]],
        inputs: {
          documentType: { oneOf: ['passport', 'driving_licence', 'national_id'] },
          documentCountry: { country: COUNTRIES },
          documentExpired: { bool: 0.01 },
          faceMatchScore: { float: [0.3, 1], min: 0, max: 1 },
          mrzValid: { bool: 0.97 },
          imageQuality: { float: [0.2, 1], min: 0, max: 1 },
        },
        optional: { imageQuality: 0.9 },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('document-expired', { all: [c('documentExpired', 'eq', true)] }, 'DECLINE', 0.95, 'document.expired'),
            rule('face-mismatch', { all: [c('faceMatchScore', 'lt', v >= 3 ? 0.55 : 0.5)] }, 'DECLINE', 0.86, 'document.face_mismatch'),
            rule(
              'unverifiable',
              { any: [c('mrzValid', 'eq', false), c('documentCountry', 'nin', COUNTRIES)] },
              'REVIEW',
              0.72,
              'document.unverifiable',
            ),
            ...from(v, 2, rule('low-quality', { all: [c('imageQuality', 'lt', 0.4)] }, 'REVIEW', 0.64, 'document.low_quality')),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'document.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.92, reason: 'document.verified' },
        }),
      },
    ],
  },
  {
    slug: 'fraud-velocity',
    name: 'Fraud Velocity',
    description: 'Real-time transaction velocity and card-testing detection.',
    riskTier: 'MEDIUM',
    status: 'PUBLISHED',
    versions: [
      release('1.0.0', 330, 78, 'Initial release: hourly transaction velocity.'),
      release('1.0.1', 300, 83, 'Challenges at 8 transactions an hour instead of 10.'),
      release('1.1.0', 110, 91, 'Adds card-testing detection and a geo-mismatch rule.'),
    ],
    features: [
      {
        key: 'fraud.velocity',
        description: 'Scores a payment against the payer’s recent transaction velocity and amounts.',
        subjectType: 'transaction',
        since: 0,
        volume: 10,
        latencyMedianMs: 32,
        mix: [['APPROVE', 90], ['CHALLENGE', 6], ['DECLINE', 4]],
        inputs: {
          amount: { float: [1, 2500], min: 0, max: MAX_AMOUNT },
          currency: { oneOf: CURRENCIES },
          txnCount1h: { int: [0, 25], max: MAX_COUNT },
          amountToAvgRatio: { float: [0.1, 9], min: 0, max: 1000 },
          geoMismatch: { bool: 0.03 },
          riskScore: 'risk',
        },
        optional: { geoMismatch: 0.9 },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('velocity-extreme', { all: [c('txnCount1h', 'gte', 20)] }, 'DECLINE', 0.94, 'velocity.extreme'),
            rule(
              'velocity-high',
              { all: [c('txnCount1h', 'gte', v >= 1 ? 8 : 10), c('amount', 'gt', 200)] },
              'CHALLENGE',
              0.78,
              'velocity.high',
            ),
            rule('amount-spike', { all: [c('amountToAvgRatio', 'gte', 6)] }, 'CHALLENGE', 0.7, 'amount.spike'),
            ...from(v, 2, rule('geo-mismatch', { all: [c('geoMismatch', 'eq', true)] }, 'CHALLENGE', 0.66, 'geo.mismatch')),
          ],
          incomplete: { outcome: 'CHALLENGE', confidence: 0.6, reason: 'velocity.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.95, reason: 'velocity.normal' },
        }),
      },
      {
        key: 'fraud.card_testing',
        description: 'Detects bursts of small declined card authorisations.',
        subjectType: 'transaction',
        since: 2,
        volume: 5,
        latencyMedianMs: 22,
        mix: [['APPROVE', 94], ['CHALLENGE', 3], ['DECLINE', 3]],
        inputs: {
          amount: { float: [0.5, 400], min: 0, max: MAX_AMOUNT },
          currency: { oneOf: CURRENCIES },
          declinedAttempts10m: { int: [0, 9], max: MAX_COUNT },
          binRiskScore: 'risk',
        },
        policy: () => ({
          version: 2,
          rules: [
            rule(
              'card-testing',
              { all: [c('declinedAttempts10m', 'gte', 5), c('amount', 'lt', 5)] },
              'DECLINE',
              0.96,
              'card_testing.pattern',
            ),
            rule('bin-risk', { all: [c('binRiskScore', 'gte', 85)] }, 'CHALLENGE', 0.7, 'card.bin_risk'),
          ],
          incomplete: { outcome: 'CHALLENGE', confidence: 0.6, reason: 'card.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.97, reason: 'card.normal' },
        }),
      },
    ],
  },
  {
    slug: 'credit-affordability',
    name: 'Credit Affordability',
    description: 'Affordability and creditworthiness checks for consumer lending.',
    riskTier: 'HIGH',
    status: 'PUBLISHED',
    versions: [
      release('0.9.0', 280, 72, 'Beta: debt-to-income and thin-file checks.'),
      release('1.0.0', 160, 88, 'GA: debt-to-income cap 0.45; prime fast-track.'),
    ],
    features: [
      {
        key: 'credit.affordability',
        description: 'Decides whether a loan is affordable from income, debts and bureau data.',
        subjectType: 'person',
        since: 0,
        volume: 2,
        latencyMedianMs: 70,
        mix: [['APPROVE', 68], ['REVIEW', 17], ['DECLINE', 15]],
        inputs: {
          requestedAmount: { int: [500, 40_000], min: 1, max: MAX_AMOUNT },
          monthlyIncome: { int: [900, 12_000], min: 0, max: MAX_AMOUNT },
          debtToIncome: { float: [0.05, 0.75], min: 0, max: 100 },
          incomeVerified: { bool: 0.9 },
          creditHistoryMonths: { int: [0, 240], max: 1200 },
          bureauScore: { int: [450, 850], min: 300, max: 900 },
        },
        // A thin-file applicant may have no bureau score at all.
        optional: { bureauScore: 0.92 },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('dti-excessive', { all: [c('debtToIncome', 'gt', v >= 1 ? 0.45 : 0.5)] }, 'DECLINE', 0.9, 'affordability.dti_excessive'),
            ...from(
              v,
              1,
              rule(
                'prime',
                { all: [c('bureauScore', 'exists', true), c('bureauScore', 'gte', 720), c('debtToIncome', 'lt', 0.3)] },
                'APPROVE',
                0.93,
                'credit.prime',
              ),
            ),
            rule('income-unverified', { all: [c('incomeVerified', 'eq', false)] }, 'REVIEW', 0.7, 'affordability.income_unverified'),
            rule('thin-file', { all: [c('creditHistoryMonths', 'lt', 12)] }, 'REVIEW', 0.66, 'credit.thin_file'),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'affordability.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.82, reason: 'affordability.pass' },
        }),
      },
    ],
  },
  {
    slug: 'aml-screening',
    name: 'AML Screening',
    description: 'Sanctions, PEP and business screening for anti-money-laundering programmes.',
    riskTier: 'MEDIUM',
    status: 'PUBLISHED',
    versions: [
      release('1.0.0', 365, 84, 'Initial release: sanctions screening.'),
      release('1.1.0', 200, 89, 'Adds politically exposed person screening (aml.pep).'),
      release('1.2.0', 60, 93, 'Adds business screening; fuzzy-match review at 75.'),
    ],
    features: [
      {
        key: 'aml.sanctions',
        description: 'Screens a person against consolidated sanctions lists.',
        subjectType: 'person',
        since: 0,
        volume: 3,
        latencyMedianMs: 45,
        mix: [['APPROVE', 93], ['REVIEW', 6], ['DECLINE', 1]],
        inputs: {
          country: { country: COUNTRIES },
          sanctionsScore: 'risk',
          listsChecked: { int: [3, 9], max: 100 },
        },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('sanctions-exact', { all: [c('sanctionsScore', 'gte', 95)] }, 'DECLINE', 0.98, 'aml.sanctions_match'),
            rule('sanctions-fuzzy', { all: [c('sanctionsScore', 'gte', v >= 2 ? 75 : 80)] }, 'REVIEW', 0.72, 'aml.possible_match'),
            rule(
              'high-risk-jurisdiction',
              { all: [c('country', 'in', HIGH_RISK_JURISDICTIONS)] },
              'REVIEW',
              0.8,
              'aml.high_risk_jurisdiction',
            ),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'aml.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.96, reason: 'aml.clear' },
        }),
      },
      {
        key: 'aml.pep',
        description: 'Screens a person for political exposure and adverse media.',
        subjectType: 'person',
        since: 1,
        volume: 1.5,
        latencyMedianMs: 40,
        mix: [['APPROVE', 95], ['REVIEW', 5]],
        inputs: {
          pepMatch: { bool: 0.02 },
          adverseMediaHits: { int: [0, 4], max: MAX_COUNT },
          country: { country: COUNTRIES },
        },
        policy: () => ({
          version: 2,
          rules: [
            rule('pep-match', { all: [c('pepMatch', 'eq', true)] }, 'REVIEW', 0.83, 'aml.pep_match'),
            rule('adverse-media', { all: [c('adverseMediaHits', 'gte', 3)] }, 'REVIEW', 0.69, 'aml.adverse_media'),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'aml.pep_incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.94, reason: 'aml.pep_clear' },
        }),
      },
      {
        key: 'aml.business',
        description: 'Screens a business: registry status, ownership disclosure and shell indicators.',
        subjectType: 'business',
        since: 2,
        volume: 1,
        latencyMedianMs: 90,
        mix: [['APPROVE', 86], ['REVIEW', 11], ['DECLINE', 3]],
        inputs: {
          registryStatus: { oneOf: ['active', 'active', 'active', 'dormant', 'dissolved'], domain: ['active', 'dormant', 'dissolved', 'struck_off'] },
          uboDisclosed: { bool: 0.93 },
          shellScore: 'risk',
          country: { country: COUNTRIES },
        },
        // Ownership may not have been asked yet.
        optional: { uboDisclosed: 0.95 },
        policy: () => ({
          version: 2,
          rules: [
            rule(
              'registry-inactive',
              { any: [c('registryStatus', 'in', ['dissolved', 'struck_off'])] },
              'DECLINE',
              0.92,
              'aml.registry_inactive',
            ),
            rule('ubo-undisclosed', { all: [c('uboDisclosed', 'eq', false)] }, 'REVIEW', 0.77, 'aml.ubo_undisclosed'),
            rule('shell-indicators', { all: [c('shellScore', 'gte', 70)] }, 'REVIEW', 0.68, 'aml.shell_indicators'),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'aml.business_incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.9, reason: 'aml.business_clear' },
        }),
      },
    ],
  },
  {
    slug: 'device-trust',
    name: 'Device Trust',
    description: 'Device reputation: emulators, new devices and risky networks.',
    riskTier: 'LOW',
    status: 'DEPRECATED',
    versions: [
      release('1.0.0', 320, 74, 'Initial release: emulator and new-device checks.'),
      release('1.1.0', 210, 79, 'Adds a risky-network rule. Final release: superseded by kyc-adaptive 2.0.'),
    ],
    features: [
      {
        key: 'device.trust',
        description: 'Scores how far a device and its network can be trusted.',
        subjectType: 'device',
        since: 0,
        volume: 6,
        latencyMedianMs: 28,
        mix: [['APPROVE', 84], ['CHALLENGE', 12], ['DECLINE', 4]],
        inputs: {
          deviceAgeDays: { int: [0, 900], max: MAX_DAYS },
          emulator: { bool: 0.01 },
          vpn: { bool: 0.08 },
          ipRiskScore: 'risk',
          platform: { oneOf: ['ios', 'android', 'web'] },
        },
        optional: { ipRiskScore: 0.9 },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('emulator', { all: [c('emulator', 'eq', true)] }, 'DECLINE', 0.93, 'device.emulator'),
            rule('new-device', { any: [c('deviceAgeDays', 'lt', 2), c('vpn', 'eq', true)] }, 'CHALLENGE', 0.71, 'device.new'),
            ...from(v, 1, rule('risky-network', { all: [c('ipRiskScore', 'gte', 80)] }, 'CHALLENGE', 0.67, 'device.risky_network')),
          ],
          incomplete: { outcome: 'CHALLENGE', confidence: 0.6, reason: 'device.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.88, reason: 'device.trusted' },
        }),
      },
    ],
  },
  {
    slug: 'income-verification',
    name: 'Income Verification',
    description: 'Verifies stated income against open-banking data. In development.',
    riskTier: 'DATA_ONLY',
    status: 'DRAFT',
    versions: [
      release('0.1.0', 25, 58, 'Preview: stated versus observed income.'),
      release('0.2.0', 6, 64, 'Requires at least one verified income source.'),
    ],
    features: [
      {
        key: 'income.verification',
        description: 'Compares stated income with income observed in bank transactions.',
        subjectType: 'person',
        since: 0,
        volume: 1,
        latencyMedianMs: 150,
        mix: [['APPROVE', 85], ['REVIEW', 15]],
        inputs: {
          statedIncome: { int: [900, 12_000], max: MAX_AMOUNT },
          incomeVarianceRatio: { float: [0, 0.6], max: 100 },
          verifiedSources: { int: [0, 3], max: 100 },
        },
        policy: (v) => ({
          version: 2,
          rules: [
            rule('income-mismatch', { all: [c('incomeVarianceRatio', 'gt', 0.25)] }, 'REVIEW', 0.75, 'income.mismatch'),
            ...from(v, 1, rule('no-source', { all: [c('verifiedSources', 'lt', 1)] }, 'REVIEW', 0.7, 'income.unverified')),
          ],
          incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'income.incomplete_evidence' },
          default: { outcome: 'APPROVE', confidence: 0.85, reason: 'income.verified' },
        }),
      },
    ],
  },
];

// ----------------------------------------------------------------- tenants

export interface TenantSpec {
  slug: string;
  name: string;
  plan: Plan;
  status: TenantStatus;
  createdDaysAgo: number;
  /** A suspended tenant's traffic stops here; tenants have no column for it. */
  suspendedDaysAgo?: number;
  /** Package slug to installed version. */
  installs: Readonly<Record<string, string>>;
}

export const TENANTS: readonly TenantSpec[] = [
  {
    slug: 'northwind-bank',
    name: 'Northwind Bank',
    plan: 'ENTERPRISE',
    status: 'ACTIVE',
    createdDaysAgo: 720,
    installs: {
      'kyc-adaptive': '1.2.0',
      'fraud-velocity': '1.1.0',
      'aml-screening': '1.1.0',
      'device-trust': '1.1.0',
      'credit-affordability': '1.0.0',
    },
  },
  {
    slug: 'harbor-credit-union',
    name: 'Harbor Credit Union',
    plan: 'ENTERPRISE',
    status: 'ACTIVE',
    createdDaysAgo: 540,
    installs: {
      'kyc-adaptive': '2.0.0',
      'aml-screening': '1.2.0',
      'credit-affordability': '1.0.0',
      'fraud-velocity': '1.0.1',
    },
  },
  {
    slug: 'acme-lending',
    name: 'Acme Lending',
    plan: 'PRO',
    status: 'ACTIVE',
    createdDaysAgo: 400,
    installs: { 'credit-affordability': '1.0.0', 'kyc-adaptive': '1.1.0', 'fraud-velocity': '1.1.0' },
  },
  {
    slug: 'finch-pay',
    name: 'Finch Pay',
    plan: 'PRO',
    status: 'ACTIVE',
    createdDaysAgo: 300,
    installs: {
      'fraud-velocity': '1.1.0',
      'device-trust': '1.0.0',
      'kyc-adaptive': '2.0.0',
      'aml-screening': '1.2.0',
    },
  },
  {
    slug: 'lumen-wallet',
    name: 'Lumen Wallet',
    plan: 'FREE',
    status: 'ACTIVE',
    createdDaysAgo: 38,
    installs: { 'kyc-adaptive': '2.0.0', 'fraud-velocity': '1.1.0', 'device-trust': '1.1.0' },
  },
  {
    slug: 'quarry-capital',
    name: 'Quarry Capital',
    plan: 'FREE',
    status: 'SUSPENDED',
    createdDaysAgo: 200,
    suspendedDaysAgo: 21,
    installs: { 'kyc-adaptive': '1.1.0', 'credit-affordability': '0.9.0', 'aml-screening': '1.0.0' },
  },
];

// -------------------------------------------------------------------- rows

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  plan: Plan;
  status: TenantStatus;
  monthlyDecisionQuota: number;
  rateLimitPerMinute: number;
  createdAt: Date;
  /** Not stored: when its traffic stops (suspension), else null. */
  trafficEndsAt: Date | null;
  /** Not stored: API key ids that appear as audit actors (there are no api_keys rows). */
  writeKeys: readonly string[];
  readKey: string;
}

export interface PackageRow {
  id: string;
  slug: string;
  name: string;
  description: string;
  riskTier: RiskTier;
  status: PackageStatus;
  createdAt: Date;
}

export interface VersionRow {
  id: string;
  packageId: string;
  version: string;
  changelog: string;
  conformanceScore: number;
  publishedAt: Date;
}

export interface FeatureRow {
  id: string;
  packageVersionId: string;
  key: string;
  description: string;
  outcomes: Outcome[];
  policy: Policy;
  policyHash: string;
  inputSchema: InputSchema;
  spec: FeatureSpec;
}

export interface InstallationRow {
  id: string;
  tenantId: string;
  packageId: string;
  packageVersionId: string;
  installedAt: Date;
}

export interface Catalog {
  tenants: TenantRow[];
  packages: PackageRow[];
  versions: VersionRow[];
  features: FeatureRow[];
  installations: InstallationRow[];
}

const DAY_MS = 86_400_000;

/** Materialises the specs: ids and times come from `rng`, so one seed gives one catalogue. */
export function buildCatalog(rng: Random, now: Date): Catalog {
  // A time `days` before now, at a random moment of a working day (UTC 08-18).
  const daysAgo = (days: number): Date => {
    const midnight = Math.floor((now.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS;
    return new Date(midnight + rng.int(8 * 3_600_000, 18 * 3_600_000));
  };

  const catalog: Catalog = { tenants: [], packages: [], versions: [], features: [], installations: [] };
  const versionsBySlug = new Map<string, VersionRow[]>();

  for (const spec of PACKAGES) {
    const firstRelease = Math.max(...spec.versions.map((v) => v.publishedDaysAgo));
    const pkg: PackageRow = {
      id: rng.uuid(),
      slug: spec.slug,
      name: spec.name,
      description: spec.description,
      riskTier: spec.riskTier,
      status: spec.status,
      createdAt: daysAgo(firstRelease + rng.int(7, 30)),
    };
    catalog.packages.push(pkg);
    const versions: VersionRow[] = [];
    spec.versions.forEach((v, index) => {
      const version: VersionRow = {
        id: rng.uuid(),
        packageId: pkg.id,
        version: v.version,
        changelog: v.changelog,
        conformanceScore: v.conformanceScore,
        publishedAt: daysAgo(v.publishedDaysAgo),
      };
      versions.push(version);
      for (const feature of spec.features.filter((f) => f.since <= index)) {
        const policy = feature.policy(index);
        const inputSchema = inputSchemaOf(feature);
        // The catalogue refuses to load a version whose schema does not compile
        // or whose policy reads a field the schema does not declare.
        compileInputSchema(inputSchema);
        checkFeatureContract(policy, inputSchema);
        catalog.features.push({
          id: rng.uuid(),
          packageVersionId: version.id,
          key: feature.key,
          description: feature.description,
          outcomes: outcomesOf(policy),
          policy,
          policyHash: sha256Hex(canonicalJson(policy)),
          inputSchema,
          spec: feature,
        });
      }
    });
    catalog.versions.push(...versions);
    versionsBySlug.set(spec.slug, versions);
  }

  for (const spec of TENANTS) {
    const tenant: TenantRow = {
      id: rng.uuid(),
      slug: spec.slug,
      name: spec.name,
      plan: spec.plan,
      status: spec.status,
      ...PLAN_LIMITS[spec.plan],
      createdAt: daysAgo(spec.createdDaysAgo),
      trafficEndsAt: spec.suspendedDaysAgo === undefined ? null : daysAgo(spec.suspendedDaysAgo),
      writeKeys: [`key_${rng.hex(8)}`, `key_${rng.hex(8)}`],
      readKey: `key_${rng.hex(8)}`,
    };
    catalog.tenants.push(tenant);
    for (const [slug, wanted] of Object.entries(spec.installs)) {
      const version = versionsBySlug.get(slug)?.find((v) => v.version === wanted);
      if (!version) throw new Error(`catalog: ${spec.slug} installs unknown ${slug}@${wanted}`);
      // Installed a few days after both the tenant and the version existed;
      // an upgrade replaces the row, so older traffic is not attributed to it.
      const after = Math.max(tenant.createdAt.getTime(), version.publishedAt.getTime());
      catalog.installations.push({
        id: rng.uuid(),
        tenantId: tenant.id,
        packageId: version.packageId,
        packageVersionId: version.id,
        installedAt: new Date(after + rng.int(1, 7) * DAY_MS + rng.int(0, 3_600_000)),
      });
    }
  }
  return catalog;
}

/** Outcomes a policy can produce, in enum order. */
export function outcomesOf(policy: Policy): Outcome[] {
  const produced = new Set<Outcome>([policy.default.outcome, policy.incomplete.outcome, ...policy.rules.map((r) => r.outcome)]);
  return OUTCOMES.filter((o) => produced.has(o));
}

/**
 * The JSON Schema (2020-12) of a feature's attributes, from its input specs:
 * every attribute typed and bounded, the non-optional ones required, and no
 * other attribute allowed.
 */
export function inputSchemaOf(spec: FeatureSpec): InputSchema {
  const optional = spec.optional ?? {};
  const names = Object.keys(spec.inputs);
  for (const name of Object.keys(optional)) {
    if (!names.includes(name)) throw new Error(`catalog: ${spec.key} marks undeclared input ${name} optional`);
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `${spec.key} attributes`,
    type: 'object',
    additionalProperties: false,
    required: names.filter((name) => !Object.hasOwn(optional, name)),
    properties: Object.fromEntries(names.map((name) => [name, fieldSchema(spec.inputs[name]!)])),
  };
}

function fieldSchema(field: FieldSpec): InputSchema {
  if (field === 'risk') return { type: 'integer', minimum: 0, maximum: 100 };
  if ('int' in field) return { type: 'integer', minimum: field.min ?? field.int[0], maximum: field.max ?? field.int[1] };
  if ('float' in field) return { type: 'number', minimum: field.min ?? field.float[0], maximum: field.max ?? field.float[1] };
  if ('oneOf' in field) return { type: 'string', enum: [...new Set(field.domain ?? field.oneOf)] };
  if ('country' in field) return { type: 'string', pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2, upper case' };
  return { type: 'boolean' };
}
