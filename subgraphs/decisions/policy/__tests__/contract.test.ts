import { checkFeatureContract, FeatureContractError } from '../contract';
import type { Condition } from '../types';
import { policyOf, rule } from './helpers';

const schema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    score: { type: 'integer' },
    ratio: { type: 'number' },
    country: { type: 'string' },
    status: { enum: ['active', 'dissolved'] },
    flag: { type: 'boolean' },
    tags: { type: 'array', items: { type: 'string' } },
    device: { type: 'object', additionalProperties: false, properties: { ageDays: { type: 'integer' } } },
    untyped: {},
  },
};

const c = (field: string, op: Condition['op'], value: Condition['value']): Condition => ({ field, op, value });
const check = (...conditions: Condition[]) => () => checkFeatureContract(policyOf(rule('r', { all: conditions })), schema);

describe('checkFeatureContract', () => {
  it('accepts conditions on declared fields with values of their type', () => {
    expect(check(c('score', 'gte', 80), c('ratio', 'lt', 0.5), c('country', 'in', ['IR']), c('status', 'nin', ['active']), c('flag', 'eq', true), c('tags', 'eq', ['a']), c('device.ageDays', 'lt', 2), c('untyped', 'exists', true))).not.toThrow();
  });

  it.each<[string, Condition, string]>([
    ['an undeclared field', c('documentScore', 'gte', 0.5), 'the input schema does not declare this field'],
    ['an undeclared nested field', c('device.id', 'exists', true), 'the input schema does not declare this field'],
    ['a path through a scalar', c('score.value', 'eq', 1), 'the input schema does not declare this field'],
    ['a prototype name', c('constructor', 'exists', true), 'the input schema does not declare this field'],
    ['a number compared with a string', c('score', 'gte', '80'), 'gte compares with "80", but the field is integer'],
    ['a boolean compared with a number', c('flag', 'eq', 1), 'eq compares with 1, but the field is boolean'],
    ['an enum compared with a number', c('status', 'in', [1]), 'in compares with 1, but the field is string'],
    ['a scalar compared with an array', c('country', 'eq', ['GB']), 'eq compares with an array, but the field is string'],
    ['a field with no type', c('untyped', 'eq', 1), 'the input schema gives this field no type (type or enum)'],
  ])('refuses %s, naming where', (_name, condition, problem) => {
    try {
      check(c('score', 'gte', 1), { all: [] } as never, condition)();
    } catch (error) {
      expect(error).toBeInstanceOf(FeatureContractError);
      expect((error as FeatureContractError).problems).toEqual([{ path: 'rules[0].when.all[2]', field: condition.field, problem }]);
      return;
    }
    throw new Error('the contract was accepted');
  });
});
