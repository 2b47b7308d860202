import { compileInputSchema, InputSchemaCache, InputSchemaError, MAX_PROBLEMS } from '../input-schema';

const schema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  required: ['score', 'country'],
  properties: {
    score: { type: 'integer', minimum: 0, maximum: 100 },
    ratio: { type: 'number', minimum: 0, maximum: 1 },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
    currency: { type: 'string', enum: ['GBP', 'EUR'] },
    flag: { type: 'boolean' },
    device: { type: 'object', additionalProperties: false, properties: { ageDays: { type: 'integer', minimum: 0 } } },
    tags: { type: 'array', items: { type: 'string' } },
  },
};

describe('compileInputSchema', () => {
  const validate = compileInputSchema(schema);

  it('accepts what the schema declares, bounds included', () => {
    expect(validate({ score: 0, country: 'GB' })).toEqual([]);
    expect(validate({ score: 100, country: 'GB', ratio: 1, currency: 'EUR', flag: false, device: { ageDays: 0 }, tags: [] })).toEqual([]);
  });

  it.each<[string, Record<string, any>, Array<{ field: string; problem: string }>]>([
    ['nothing', {}, [{ field: 'country', problem: 'is required' }, { field: 'score', problem: 'is required' }]],
    ['a string for a number', { score: '99', country: 'GB' }, [{ field: 'score', problem: 'must be an integer, got a string' }]],
    ['a fraction for an integer', { score: 1.5, country: 'GB' }, [{ field: 'score', problem: 'must be an integer, got a number' }]],
    ['null', { score: null, country: 'GB' }, [{ field: 'score', problem: 'must be an integer, got null' }]],
    ['1 for a boolean', { score: 1, country: 'GB', flag: 1 }, [{ field: 'flag', problem: 'must be a boolean, got an integer' }]],
    ['just above the maximum', { score: 101, country: 'GB' }, [{ field: 'score', problem: 'must be <= 100' }]],
    ['just below the minimum', { score: 1, country: 'GB', ratio: -0.001 }, [{ field: 'ratio', problem: 'must be >= 0' }]],
    ['a lower-case code', { score: 1, country: 'gb' }, [{ field: 'country', problem: 'must match pattern "^[A-Z]{2}$"' }]],
    ['an enum in the wrong case', { score: 1, country: 'GB', currency: 'gbp' }, [{ field: 'currency', problem: 'must be one of "GBP", "EUR" (exactly, case included)' }]],
    ['an unknown attribute', { score: 1, country: 'GB', documentScore: 0.9 }, [{ field: 'documentScore', problem: 'is not an attribute this feature declares' }]],
    ['an unknown nested attribute', { score: 1, country: 'GB', device: { id: 'x' } }, [{ field: 'device.id', problem: 'is not an attribute this feature declares' }]],
    ['a bad array item', { score: 1, country: 'GB', tags: ['a', 2] }, [{ field: 'tags[1]', problem: 'must be a string, got an integer' }]],
    ['a prototype name', { score: 1, country: 'GB', __proto__x: 1, constructor: 1 }, [{ field: '__proto__x', problem: 'is not an attribute this feature declares' }, { field: 'constructor', problem: 'is not an attribute this feature declares' }]],
  ])('refuses %s, naming the field', (_name, attributes, expected) => {
    expect(validate(attributes)).toEqual(expected);
  });

  it('never echoes a value the caller sent', () => {
    const problems = validate({ score: 'cus_ada_lovelace', country: 'ada lovelace', currency: 'ada' });
    expect(JSON.stringify(problems)).not.toMatch(/ada/);
  });

  it('gives the same problems in the same order whatever the key order', () => {
    const a = validate({ zeta: 1, score: 'x', country: 1, alpha: 2 });
    const b = validate({ alpha: 2, country: 1, score: 'x', zeta: 1 });
    expect(a).toEqual(b);
  });

  it(`reports at most ${MAX_PROBLEMS} problems`, () => {
    const many = Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`x${i}`, i]));
    expect(validate(many)).toHaveLength(MAX_PROBLEMS);
  });

  it.each<[string, unknown]>([
    ['not an object', 'a schema'],
    ['not describing an object', { type: 'array', additionalProperties: false, properties: {} }],
    ['letting undeclared attributes through', { type: 'object', properties: { a: { type: 'string' } } }],
    ['with additionalProperties as a schema', { type: 'object', additionalProperties: { type: 'string' }, properties: {} }],
    ['without properties', { type: 'object', additionalProperties: false }],
    ['with an unknown keyword (strict)', { type: 'object', additionalProperties: false, properties: { a: { type: 'string', minimun: 1 } } }],
    ['requiring an undeclared property (strict)', { type: 'object', additionalProperties: false, required: ['b'], properties: { a: { type: 'string' } } }],
    ['of another draft', { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', additionalProperties: false, properties: {} }],
  ])('refuses a schema %s', (_name, bad) => {
    expect(() => compileInputSchema(bad)).toThrow(InputSchemaError);
  });
});

describe('InputSchemaCache', () => {
  it('compiles a schema once, whatever object it arrives in', () => {
    const cache = new InputSchemaCache();
    const first = cache.validatorFor(schema);
    expect(cache.validatorFor(JSON.parse(JSON.stringify(schema)))).toBe(first);
    expect(cache.validatorFor({ ...schema, required: ['score'] })).not.toBe(first);
  });
});
