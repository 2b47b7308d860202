/**
 * The decision request `npm start` prints and the README shows: kept here
 * so a test can hold both to the input schema of the feature they call
 * (test/input-contracts.test.ts).
 */
export const SAMPLE_DECISION = {
  feature: 'kyc.adaptive',
  subject: { type: 'person', reference: 'cus_42' },
  attributes: { riskScore: 32, country: 'GB', nameMatchScore: 0.94, sanctionsMatch: false, deviceAgeDays: 410 },
} as const;
