import { canonicalJson } from '../../../../lib/canonical-json';
import { buildCatalog, outcomesOf, type FeatureRow, type FeatureSpec } from '../../../../dev/seed/catalog';
import { fakeInput } from '../../../../dev/seed/generate';
import { checkFeatureContract } from '../contract';
import { compileInputSchema } from '../input-schema';
import { Random } from '../../../../dev/seed/random';
import { evaluatePolicy } from '../evaluate';
import { validateDecisionInput } from '../input';
import type { JsonValue } from '../json';
import { parsePolicy } from '../validate';

const catalog = buildCatalog(new Random(42), new Date('2026-11-24T00:00:00Z'));
const features = catalog.features.map((f) => {
  const version = catalog.versions.find((v) => v.id === f.packageVersionId)!;
  const pkg = catalog.packages.find((p) => p.id === version.packageId)!;
  return [`${f.key} in ${pkg.slug}@${version.version}`, f] as const;
});

/**
 * An input drawn from the feature's input spec, with bounds drawn often and
 * booleans and risk scores spread evenly, so that rare rules get exercised.
 */
function sampleInput(rng: Random, spec: FeatureSpec): Record<string, JsonValue> {
  const input: Record<string, JsonValue> = {};
  for (const [name, field] of Object.entries(spec.inputs)) {
    // optional attributes are left out a third of the time, to reach `incomplete`
    if (spec.optional?.[name] !== undefined && rng.chance(0.33)) continue;
    if (field === 'risk') input[name] = rng.int(0, 100);
    else if ('int' in field) input[name] = rng.chance(0.3) ? rng.pick(field.int) : rng.int(field.int[0], field.int[1]);
    else if ('float' in field) input[name] = Math.round((field.float[0] + rng.float() * (field.float[1] - field.float[0])) * 100) / 100;
    else if ('oneOf' in field) input[name] = rng.pick(field.domain ?? field.oneOf);
    else if ('country' in field) input[name] = rng.pick([...field.country, 'IR', 'KP']);
    else input[name] = rng.chance(0.5);
  }
  return input;
}

/** The same attributes with every value turned into a string, as a careless client might send them. */
const stringly = (input: Record<string, JsonValue>) => Object.fromEntries(Object.entries(input).map(([k, v]) => [k, String(v)]));

describe('the seed catalogue', () => {
  it('has features to check', () => {
    expect(features.length).toBeGreaterThan(10);
  });

  it.each(features)('%s: its stored policy parses back to the same policy', (_name, feature: FeatureRow) => {
    expect(parsePolicy(JSON.parse(canonicalJson(feature.policy)))).toEqual(feature.policy);
  });

  it.each(features)('%s: evaluates representative inputs within the outcomes the catalogue lists', (_name, feature: FeatureRow) => {
    const policy = parsePolicy(JSON.parse(canonicalJson(feature.policy)));
    const rng = new Random(1);
    const reasonsByOutcome = new Map(outcomesOf(policy).map((o) => [o, [...policy.rules, policy.incomplete, policy.default].filter((r) => r.outcome === o).map((r) => r.reason)]));
    const seen = new Set<string>();
    const samples = Array.from({ length: 3_000 }, () => sampleInput(rng, feature.spec));
    const validate = compileInputSchema(feature.inputSchema);
    const inputs = samples;
    const problems: string[] = [];
    for (const input of inputs) {
      expect(validate(input)).toEqual([]);
      const { outcome, reasons } = evaluatePolicy(policy, validateDecisionInput(input));
      seen.add(outcome);
      // Consistent with the demo data: 1-3 reason codes from the rules giving that outcome.
      const allowed = reasonsByOutcome.get(outcome);
      if (!allowed) problems.push(`${canonicalJson(input)} gave ${outcome}, which outcomesOf does not list`);
      else if (reasons.length < 1 || reasons.length > 3 || !reasons.every((r) => allowed.includes(r))) {
        problems.push(`${canonicalJson(input)} gave ${outcome} with reasons ${reasons.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
    // And outcomesOf lists nothing that evaluation cannot reach.
    expect([...seen].sort()).toEqual([...outcomesOf(policy)].sort());
  });

  it.each(features)('%s: its schema refuses no attributes, strings for everything, and an unknown attribute', (_name, feature: FeatureRow) => {
    const rng = new Random(2);
    const validate = compileInputSchema(feature.inputSchema);
    const required = (feature.inputSchema.required as string[]).length;
    expect(validate({}).length).toBe(required);
    expect(required).toBeGreaterThan(0);
    const sample = sampleInput(rng, feature.spec);
    // every non-string attribute sent as a string is named
    const nonStrings = Object.values(sample).filter((v) => typeof v !== 'string').length;
    expect(validate(stringly(sample)).length).toBe(nonStrings);
    expect(validate({ ...sample, documentScore: 0.92 })).toEqual([{ field: 'documentScore', problem: 'is not an attribute this feature declares' }]);
  });

  it.each(features)('%s: its policy reads only what its schema declares', (_name, feature: FeatureRow) => {
    expect(() => checkFeatureContract(feature.policy, feature.inputSchema)).not.toThrow();
  });

  it.each(features)('%s: the demo generator only makes inputs its schema accepts', (_name, feature: FeatureRow) => {
    const rng = new Random(3);
    const validate = compileInputSchema(feature.inputSchema);
    for (const outcome of outcomesOf(feature.policy)) {
      for (let i = 0; i < 200; i++) expect(validate(fakeInput(rng, Object.entries(feature.spec.inputs), feature.spec.optional ?? {}, outcome))).toEqual([]);
    }
  });
});
