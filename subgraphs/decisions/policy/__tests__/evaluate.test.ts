import { Random } from '../../../../dev/seed/random';
import { evaluatePolicy, MAX_REASONS } from '../evaluate';
import type { JsonValue } from '../json';
import type { Condition, ConditionGroup } from '../types';
import { policyOf, rule, shuffleKeys } from './helpers';

/** What a single condition says about an input: true, false, or null (cannot tell). */
function holds(condition: Condition, input: Record<string, JsonValue>): boolean | null {
  return evaluatePolicy(policyOf(rule('only', { all: [condition] })), input).trace[0]!.holds;
}

const c = (field: string, op: Condition['op'], value: Condition['value']): Condition => ({ field, op, value });

describe('operators', () => {
  it.each<[string, Condition, JsonValue, boolean]>([
    ['eq holds for an equal number', c('x', 'eq', 5), 5, true],
    ['eq fails for a different number', c('x', 'eq', 5), 6, false],
    ['eq holds for an equal string', c('x', 'eq', 'GB'), 'GB', true],
    ['eq holds for an equal boolean', c('x', 'eq', false), false, true],
    ['eq compares arrays item by item in order', c('x', 'eq', [1, 2]), [1, 2], true],
    ['eq fails for the same items in another order', c('x', 'eq', [1, 2]), [2, 1], false],
    ['eq fails for an array with an extra item', c('x', 'eq', [1, 2]), [1, 2, 3], false],
    ['neq holds for a different value of the same type', c('x', 'neq', 'GB'), 'US', true],
    ['neq fails for an equal value', c('x', 'neq', 'GB'), 'GB', false],
    ['neq holds for a different array', c('x', 'neq', [1]), [2], true],
    ['lt holds below the value', c('x', 'lt', 2), 1, true],
    ['lt fails at the value', c('x', 'lt', 2), 2, false],
    ['lte holds at the value', c('x', 'lte', 2), 2, true],
    ['lte fails above the value', c('x', 'lte', 2), 2.01, false],
    ['gt holds above the value', c('x', 'gt', 0.25), 0.26, true],
    ['gt fails at the value', c('x', 'gt', 0.25), 0.25, false],
    ['gte holds at the value', c('x', 'gte', 80), 80, true],
    ['gte fails below the value', c('x', 'gte', 80), 79.99, false],
    ['gte handles negative numbers', c('x', 'gte', -1), -0.5, true],
    ['lt orders strings by code unit, so ISO dates compare in time order', c('x', 'lt', '2026-02-01'), '2026-01-31', true],
    ['gt puts lower-case letters after upper-case ones', c('x', 'gt', 'Z'), 'a', true],
    ['in holds for a listed value', c('x', 'in', ['IR', 'KP']), 'KP', true],
    ['in fails for an unlisted value', c('x', 'in', ['IR', 'KP']), 'GB', false],
    ['nin holds for an unlisted value', c('x', 'nin', ['IR', 'KP']), 'GB', true],
    ['nin fails for a listed value', c('x', 'nin', ['IR', 'KP']), 'IR', false],
    ['exists true holds for a present field', c('x', 'exists', true), 0, true],
    ['exists false fails for a present field', c('x', 'exists', false), '', false],
  ])('%s', (_name, condition, value, expected) => {
    expect(holds(condition, { x: value })).toBe(expected);
  });
});

describe('type mismatches cannot be told, never false', () => {
  it.each<[string, Condition, JsonValue]>([
    ['a numeric string is not gte a number', c('x', 'gte', 79), '80'],
    ['a number is not lt a string', c('x', 'lt', '9'), 1],
    ['a numeric string does not eq a number', c('x', 'eq', 5), '5'],
    ['a string does not neq a number of another value', c('x', 'neq', 5), 'five'],
    ['a number is not in a list of strings', c('x', 'in', ['1', '2']), 1],
    ['a number is not nin a list of strings', c('x', 'nin', ['1', '2']), 3],
    ['a boolean is not ordered', c('x', 'gt', false), true],
    ['a scalar does not eq an array', c('x', 'eq', ['a']), 'a'],
    ['an array does not eq a scalar', c('x', 'eq', 'a'), ['a']],
    ['an array is not in a list', c('x', 'in', ['a']), ['a']],
    ['an array is not nin a list', c('x', 'nin', ['b']), ['a']],
    ['an object is not ordered', c('x', 'gte', 0), { y: 1 }],
    ['an object does not neq a scalar', c('x', 'neq', 1), { y: 1 }],
  ])('%s', (_name, condition, value) => {
    expect(holds(condition, { x: value })).toBeNull();
  });
});

describe('missing fields', () => {
  const everyComparison: Condition[] = [
    c('x', 'eq', 1),
    c('x', 'neq', 1),
    c('x', 'lt', 1),
    c('x', 'lte', 1),
    c('x', 'gt', 1),
    c('x', 'gte', 1),
    c('x', 'in', [1]),
    c('x', 'nin', [1]),
  ];

  it('exists is always known: true present, false absent', () => {
    expect(holds(c('x', 'exists', true), {})).toBe(false);
    expect(holds(c('x', 'exists', true), { x: 0 })).toBe(true);
  });

  it.each(everyComparison.map((condition) => [condition.op, condition] as const))(
    'an absent field makes %s unknown, not false',
    (_op, condition) => {
      expect(holds(condition, { other: 1 })).toBeNull();
    },
  );

  it.each(everyComparison.map((condition) => [condition.op, condition] as const))(
    'a null field makes %s unknown, as if absent',
    (_op, condition) => {
      expect(holds(condition, { x: null })).toBeNull();
    },
  );

  it('exists false holds for an absent field and for a null one', () => {
    expect(holds(c('x', 'exists', false), {})).toBe(true);
    expect(holds(c('x', 'exists', false), { x: null })).toBe(true);
  });

  it('names inherited from Object.prototype are not fields', () => {
    expect(holds(c('constructor', 'exists', true), {})).toBe(false);
    expect(holds(c('toString', 'exists', false), {})).toBe(true);
  });
});

describe('dotted paths', () => {
  it('reach into nested objects', () => {
    expect(holds(c('device.ageDays', 'lt', 2), { device: { ageDays: 1 } })).toBe(true);
    expect(holds(c('a.b.c', 'eq', 'deep'), { a: { b: { c: 'deep' } } })).toBe(true);
  });

  it('make the field missing when a segment is absent, a scalar, null or an array', () => {
    for (const device of [{}, 5, null, [{ ageDays: 1 }]] as JsonValue[]) {
      expect(holds(c('device.ageDays', 'exists', false), { device })).toBe(true);
      expect(holds(c('device.ageDays', 'lt', 2), { device })).toBeNull();
    }
  });

  it('do not match an attribute whose name contains the dot', () => {
    expect(holds(c('device.ageDays', 'exists', true), { 'device.ageDays': 1 })).toBe(false);
  });

  it('can compare a whole nested object for presence', () => {
    expect(holds(c('device', 'exists', true), { device: { ageDays: 1 } })).toBe(true);
  });
});

describe('condition groups', () => {
  it('an empty all holds and an empty any does not', () => {
    expect(evaluatePolicy(policyOf(rule('always', { all: [] })), {}).matchedRuleId).toBe('always');
    expect(evaluatePolicy(policyOf(rule('never', { any: [] })), {}).matchedRuleId).toBeNull();
  });

  it('combine unknowns in Kleene logic: all is false on any false, any is true on any true', () => {
    const gt = (field: string) => c(field, 'gt', 0);
    const truth = (when: ConditionGroup, input: Record<string, JsonValue>) => evaluatePolicy(policyOf(rule('r', when)), input).trace[0]!.holds;
    // a absent (unknown), b true or false
    expect(truth({ all: [gt('a'), gt('b')] }, { b: 1 })).toBeNull();
    expect(truth({ all: [gt('a'), gt('b')] }, { b: -1 })).toBe(false);
    expect(truth({ any: [gt('a'), gt('b')] }, { b: 1 })).toBe(true);
    expect(truth({ any: [gt('a'), gt('b')] }, { b: -1 })).toBeNull();
    expect(truth({ all: [{ any: [gt('a')] }, gt('b')] }, { b: 1 })).toBeNull();
  });

  it('all needs every condition and any needs one', () => {
    const both: ConditionGroup = { all: [c('a', 'eq', 1), c('b', 'eq', 1)] };
    const either: ConditionGroup = { any: [c('a', 'eq', 1), c('b', 'eq', 1)] };
    expect(evaluatePolicy(policyOf(rule('r', both)), { a: 1, b: 2 }).matchedRuleId).toBeNull();
    expect(evaluatePolicy(policyOf(rule('r', both)), { a: 1, b: 1 }).matchedRuleId).toBe('r');
    expect(evaluatePolicy(policyOf(rule('r', either)), { a: 2, b: 1 }).matchedRuleId).toBe('r');
    expect(evaluatePolicy(policyOf(rule('r', either)), { a: 2, b: 2 }).matchedRuleId).toBeNull();
  });

  it('groups nest', () => {
    const when: ConditionGroup = {
      any: [c('sanctions', 'eq', true), { all: [c('risk', 'gte', 45), c('device.ageDays', 'lt', 2)] }],
    };
    const policy = policyOf(rule('step-up', when, 'CHALLENGE'));
    expect(evaluatePolicy(policy, { risk: 50, device: { ageDays: 1 } }).outcome).toBe('CHALLENGE');
    expect(evaluatePolicy(policy, { sanctions: false, risk: 50, device: { ageDays: 9 } }).outcome).toBe('APPROVE');
    expect(evaluatePolicy(policy, { risk: 50, device: { ageDays: 9 } }).basis).toBe('incomplete');
    expect(evaluatePolicy(policy, { sanctions: true }).outcome).toBe('CHALLENGE');
  });
});

describe('rule order, default and reasons', () => {
  const policy = policyOf(
    rule('sanctions', { all: [c('sanctions', 'eq', true)] }, 'DECLINE', 'kyc.sanctions', 0.97),
    rule('risk-high', { all: [c('risk', 'gte', 80)] }, 'DECLINE', 'risk.high', 0.91),
    rule('name-mismatch', { all: [c('nameMatch', 'lt', 0.6)] }, 'REVIEW', 'kyc.name_mismatch', 0.74),
    rule('risk-elevated', { all: [c('risk', 'gte', 60)] }, 'REVIEW', 'risk.elevated', 0.68),
  );

  it('the first rule that holds decides outcome, confidence and first reason', () => {
    const evaluation = evaluatePolicy(policy, { sanctions: false, risk: 85, nameMatch: 0.5 });
    expect(evaluation).toEqual({
      outcome: 'DECLINE',
      confidence: 0.91,
      reasons: ['risk.high'],
      matchedRuleId: 'risk-high',
      basis: 'rule',
      trace: [
        { ruleId: 'sanctions', holds: false },
        { ruleId: 'risk-high', holds: true },
        { ruleId: 'name-mismatch', holds: true },
        { ruleId: 'risk-elevated', holds: true },
      ],
    });
  });

  it('later rules with the same outcome that also hold add their reasons in rule order', () => {
    expect(evaluatePolicy(policy, { sanctions: true, risk: 90 }).reasons).toEqual(['kyc.sanctions', 'risk.high']);
    expect(evaluatePolicy(policy, { sanctions: false, risk: 70, nameMatch: 0.1 }).reasons).toEqual(['kyc.name_mismatch', 'risk.elevated']);
  });

  it('reasons stop at three and do not repeat', () => {
    const always = { all: [] };
    const many = policyOf(
      rule('a', always, 'REVIEW', 'one'),
      rule('b', always, 'REVIEW', 'one'),
      rule('c', always, 'DECLINE', 'other'),
      rule('d', always, 'REVIEW', 'two'),
      rule('e', always, 'REVIEW', 'three'),
      rule('f', always, 'REVIEW', 'four'),
    );
    expect(evaluatePolicy(many, {}).reasons).toEqual(['one', 'two', 'three']);
    expect(MAX_REASONS).toBe(3);
  });

  it('the default applies when no rule holds, with its reason alone', () => {
    expect(evaluatePolicy(policy, { sanctions: false, risk: 10, nameMatch: 0.9 })).toEqual({
      outcome: 'APPROVE',
      confidence: 0.9,
      reasons: ['default.reason'],
      basis: 'default',
      matchedRuleId: null,
      trace: policy.rules.map((r) => ({ ruleId: r.id, holds: false })),
    });
  });

  it('a rule that cannot be told gives the incomplete verdict, never the default', () => {
    // sanctions absent: the first rule cannot be told, so nothing below it may decide
    expect(evaluatePolicy(policy, { risk: 10, nameMatch: 0.9 })).toMatchObject({
      outcome: 'REVIEW',
      confidence: 0.5,
      reasons: ['incomplete.reason'],
      basis: 'incomplete',
      matchedRuleId: 'sanctions',
    });
    expect(evaluatePolicy(policy, {}).basis).toBe('incomplete');
    // a rule that holds before the unknown one still decides
    const late = policyOf(rule('risk', { all: [c('risk', 'gte', 80)] }), rule('device', { all: [c('device.ageDays', 'lt', 2)] }, 'CHALLENGE'));
    expect(evaluatePolicy(late, { risk: 90 })).toMatchObject({ outcome: 'DECLINE', basis: 'rule' });
    expect(evaluatePolicy(late, { risk: 10 })).toMatchObject({ outcome: 'REVIEW', basis: 'incomplete', matchedRuleId: 'device' });
    expect(evaluatePolicy(late, { risk: 10, device: { ageDays: 30 } })).toMatchObject({ outcome: 'APPROVE', basis: 'default' });
  });

  it('a rule giving the default outcome does not bring the default reason with it', () => {
    const prime = policyOf(rule('prime', { all: [c('score', 'gte', 720)] }, 'APPROVE', 'credit.prime'));
    expect(evaluatePolicy(prime, { score: 800 }).reasons).toEqual(['credit.prime']);
  });

  it('a policy without rules always gives its default', () => {
    expect(evaluatePolicy(policyOf(), { anything: 1 })).toEqual({
      outcome: 'APPROVE',
      confidence: 0.9,
      reasons: ['default.reason'],
      basis: 'default',
      matchedRuleId: null,
      trace: [],
    });
  });
});

describe('determinism', () => {
  const policy = policyOf(
    rule('deep', { all: [c('device.meta.emulator', 'eq', true)] }),
    rule('list', { any: [c('tags', 'eq', ['a', 'b']), { all: [c('country', 'in', ['IR']), c('amount', 'gt', 10)] }] }, 'REVIEW'),
    rule('risk', { all: [c('risk', 'gte', 50), c('device.ageDays', 'lt', 5)] }, 'CHALLENGE'),
    rule('risk-too', { all: [c('risk', 'gte', 40)] }, 'CHALLENGE'),
  );

  it('gives an identical evaluation whatever the order of the input keys', () => {
    const rng = new Random(7);
    for (let n = 0; n < 200; n++) {
      const input: Record<string, JsonValue> = {
        risk: rng.int(0, 100),
        amount: rng.int(0, 20),
        country: rng.pick(['GB', 'IR']),
        tags: rng.pick([['a', 'b'], ['b', 'a'], []]),
        device: { ageDays: rng.int(0, 9), platform: 'ios', meta: { emulator: rng.chance(0.1), model: 'x' } },
        note: null,
      };
      const expected = JSON.stringify(evaluatePolicy(policy, input));
      for (let shuffle = 0; shuffle < 5; shuffle++) {
        const reordered = shuffleKeys(input, rng) as Record<string, JsonValue>;
        expect(JSON.stringify(evaluatePolicy(policy, reordered))).toBe(expected);
      }
    }
  });

  it('gives an identical evaluation when called again', () => {
    const input = { risk: 60, device: { ageDays: 1 } };
    expect(evaluatePolicy(policy, input)).toEqual(evaluatePolicy(policy, input));
  });
});
