import { MAX_GROUP_DEPTH, parsePolicy, PolicyError } from '../validate';

/** A valid policy as it comes out of the database: plain JSON. */
function stored(): Record<string, any> {
  return {
    version: 2,
    rules: [
      { id: 'sanctions', when: { all: [{ field: 'sanctionsMatch', op: 'eq', value: true }] }, outcome: 'DECLINE', confidence: 0.97, reason: 'kyc.sanctions_match' },
      { id: 'jurisdiction', when: { any: [{ field: 'country', op: 'in', value: ['IR', 'KP'] }] }, outcome: 'REVIEW', confidence: 0.8, reason: 'aml.jurisdiction' },
      {
        id: 'step-up',
        when: {
          all: [
            { field: 'riskScore', op: 'gte', value: 45 },
            { any: [{ field: 'device.ageDays', op: 'lt', value: 2 }, { field: 'device.id', op: 'exists', value: false }] },
          ],
        },
        outcome: 'CHALLENGE',
        confidence: 0.7,
        reason: 'kyc.step_up',
      },
    ],
    incomplete: { outcome: 'REVIEW', confidence: 0.6, reason: 'kyc.incomplete_evidence' },
    default: { outcome: 'APPROVE', confidence: 0.9, reason: 'kyc.verified' },
  };
}

function errorOf(json: unknown): PolicyError {
  try {
    parsePolicy(json);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('parsePolicy accepted the policy');
}

/** The message parsePolicy gives for a stored policy after `edit`. */
function messageAfter(edit: (policy: Record<string, any>) => void): string {
  const policy = stored();
  edit(policy);
  return errorOf(policy).message;
}

describe('parsePolicy', () => {
  it('returns an equal copy of a valid policy, nested groups included', () => {
    const json = stored();
    const policy = parsePolicy(json);
    expect(policy).toEqual(json);
    expect(policy).not.toBe(json);
    expect(policy.rules[2]!.when).not.toBe(json.rules[2].when);
  });

  it('accepts a policy without rules, empty groups, string bounds and array equality', () => {
    expect(() => parsePolicy({ ...stored(), rules: [] })).not.toThrow();
    const p = stored();
    p.rules[0].when = { all: [] };
    p.rules[1].when = { any: [{ field: 'since', op: 'lt', value: '2026-01-01' }, { field: 'tags', op: 'neq', value: ['a', 1, true] }] };
    expect(parsePolicy(p)).toEqual(p);
  });

  it('throws a PolicyError that carries the path apart from the message', () => {
    const error = errorOf({ ...stored(), version: 1 });
    expect(error.path).toBe('version');
    expect(error.problem).toBe('expected 2 (version 1 policies do not say what they decide on incomplete evidence), got 1');
    expect(error.message).toBe('version: expected 2 (version 1 policies do not say what they decide on incomplete evidence), got 1');
  });

  it.each<[string, (p: Record<string, any>) => void, string]>([
    ['an unknown operator', (p) => (p.rules[2].when.all[0].op = 'gtx'), 'rules[2].when.all[0].op: unknown operator "gtx"'],
    ['an operator that is an Object.prototype name', (p) => (p.rules[0].when.all[0].op = 'constructor'), 'rules[0].when.all[0].op: unknown operator "constructor"'],
    ['an operator that is not a string', (p) => (p.rules[0].when.all[0].op = 3), 'rules[0].when.all[0].op: expected an operator name, got 3'],
    ['a version 1 policy, which fails open', (p) => (p.version = 1), 'version: expected 2 (version 1 policies do not say what they decide on incomplete evidence), got 1'],
    ['an unsupported version', (p) => (p.version = 3), 'version: expected 2 (version 1 policies do not say what they decide on incomplete evidence), got 3'],
    ['a missing incomplete verdict', (p) => delete p.incomplete, 'incomplete: is required'],
    ['an incomplete verdict with a bad outcome', (p) => (p.incomplete.outcome = 'MAYBE'), 'incomplete.outcome: expected one of APPROVE, DECLINE, REVIEW, CHALLENGE, got "MAYBE"'],
    ['a misspelt top-level key', (p) => ((p.defualt = p.default), delete p.default), 'policy: unknown key "defualt"'],
    ['a missing default', (p) => delete p.default, 'default: is required'],
    ['rules that are not an array', (p) => (p.rules = {}), 'rules: expected an array, got an object'],
    ['a rule that is not an object', (p) => (p.rules[1] = 'x'), 'rules[1]: expected an object, got "x"'],
    ['a duplicate rule id', (p) => (p.rules[2].id = 'sanctions'), 'rules[2].id: duplicate rule id "sanctions" (also rules[0])'],
    ['an empty rule id', (p) => (p.rules[0].id = ''), 'rules[0].id: expected a non-empty string, got ""'],
    ['a confidence above 1', (p) => (p.rules[1].confidence = 1.2), 'rules[1].confidence: expected a number from 0 to 1, got 1.2'],
    ['a negative confidence', (p) => (p.default.confidence = -0.1), 'default.confidence: expected a number from 0 to 1, got -0.1'],
    ['a confidence given as a string', (p) => (p.rules[0].confidence = '0.9'), 'rules[0].confidence: expected a number from 0 to 1, got "0.9"'],
    ['a NaN confidence', (p) => (p.rules[0].confidence = NaN), 'rules[0].confidence: expected a number from 0 to 1, got NaN'],
    ['an unknown outcome', (p) => (p.default.outcome = 'ALLOW'), 'default.outcome: expected one of APPROVE, DECLINE, REVIEW, CHALLENGE, got "ALLOW"'],
    ['a lower-case outcome', (p) => (p.rules[0].outcome = 'decline'), 'rules[0].outcome: expected one of APPROVE, DECLINE, REVIEW, CHALLENGE, got "decline"'],
    ['an empty reason', (p) => (p.rules[0].reason = ''), 'rules[0].reason: expected a non-empty string, got ""'],
    ['a when with both all and any', (p) => (p.rules[0].when.any = []), 'rules[0].when: expected exactly one of "all" or "any", got "all", "any"'],
    ['a when with neither', (p) => (p.rules[0].when = {}), 'rules[0].when: expected exactly one of "all" or "any", got no keys'],
    ['a group that is not an array', (p) => (p.rules[1].when.any = { field: 'x' }), 'rules[1].when.any: expected an array, got an object'],
    ['a condition with an extra key', (p) => (p.rules[0].when.all[0].note = 'x'), 'rules[0].when.all[0]: unknown key "note"'],
    ['a condition without a value', (p) => delete p.rules[0].when.all[0].value, 'rules[0].when.all[0].value: is required'],
    ['an empty field', (p) => (p.rules[0].when.all[0].field = ''), 'rules[0].when.all[0].field: expected a non-empty string, got ""'],
    ['a field path with an empty segment', (p) => (p.rules[0].when.all[0].field = 'device..age'), 'rules[0].when.all[0].field: empty segment in field path "device..age"'],
    ['a field path ending in a dot', (p) => (p.rules[0].when.all[0].field = 'device.'), 'rules[0].when.all[0].field: empty segment in field path "device."'],
    ['in with a scalar', (p) => (p.rules[1].when.any[0].value = 'IR'), 'rules[1].when.any[0].value: in takes a non-empty array, got "IR"'],
    ['nin with an empty array', (p) => Object.assign(p.rules[1].when.any[0], { op: 'nin', value: [] }), 'rules[1].when.any[0].value: nin takes a non-empty array, got an empty array'],
    ['in with a mixed-type list', (p) => (p.rules[1].when.any[0].value = ['1', 1]), 'rules[1].when.any[0].value[1]: expected a string like rules[1].when.any[0].value[0], got 1'],
    ['in with a null item', (p) => (p.rules[1].when.any[0].value = ['IR', null]), 'rules[1].when.any[0].value[1]: expected a string, a finite number or a boolean, got null'],
    ['exists with a string', (p) => (p.rules[2].when.all[1].any[1].value = 'yes'), 'rules[2].when.all[1].any[1].value: exists takes true or false, got "yes"'],
    ['gt with an array', (p) => (p.rules[2].when.all[0].value = [45]), 'rules[2].when.all[0].value: gte compares with a number or a string, got an array'],
    ['lt with a boolean', (p) => (p.rules[2].when.all[1].any[0].value = true), 'rules[2].when.all[1].any[0].value: lt compares with a number or a string, got true'],
    ['gte with Infinity', (p) => (p.rules[2].when.all[0].value = Infinity), 'rules[2].when.all[0].value: gte compares with a number or a string, got Infinity'],
    ['eq with an object', (p) => (p.rules[0].when.all[0].value = { a: 1 }), 'rules[0].when.all[0].value: expected a string, a finite number or a boolean, got an object'],
    ['eq with null', (p) => (p.rules[0].when.all[0].value = null), 'rules[0].when.all[0].value: expected a string, a finite number or a boolean, got null'],
    ['eq with a nested array', (p) => (p.rules[0].when.all[0].value = [1, [2]]), 'rules[0].when.all[0].value[1]: expected a string, a finite number or a boolean, got an array'],
    ['a Date where an object belongs', (p) => (p.default = new Date(0)), 'default: expected an object, got an object'],
  ])('refuses %s, naming its path', (_name, edit, message) => {
    expect(messageAfter(edit)).toBe(message);
  });

  it('refuses a policy that is not an object', () => {
    expect(errorOf(null).message).toBe('policy: expected an object, got null');
    expect(errorOf('{"version":1}').message).toBe('policy: expected an object, got "{\\"version\\":1}"');
  });

  it(`allows groups nested ${MAX_GROUP_DEPTH} deep and refuses deeper ones`, () => {
    const nest = (levels: number): Record<string, unknown> => {
      let group: Record<string, unknown> = { all: [{ field: 'x', op: 'exists', value: true }] };
      for (let i = 1; i < levels; i++) group = { any: [group] };
      return group;
    };
    const withWhen = (when: Record<string, unknown>) => ({ ...stored(), rules: [{ ...stored().rules[0], when }] });
    expect(() => parsePolicy(withWhen(nest(MAX_GROUP_DEPTH)))).not.toThrow();
    const error = errorOf(withWhen(nest(MAX_GROUP_DEPTH + 1)));
    expect(error.path).toBe('rules[0].when.any[0].any[0].any[0].any[0].any[0]');
    expect(error.problem).toBe(`condition groups nest deeper than ${MAX_GROUP_DEPTH} levels`);
  });
});
