import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isUnionType, type GraphQLNamedType } from 'graphql';
import { SUPERGRAPH_PATH } from '../lib/supergraph';

/** The API schema analysts see through introspection: the supergraph minus federation plumbing. */
function apiSchema() {
  return Supergraph.build(readFileSync(SUPERGRAPH_PATH, 'utf8')).apiSchema().toGraphQLJSSchema();
}

function undocumented(type: GraphQLNamedType): string[] {
  const missing: string[] = [];
  const need = (what: string, description: string | null | undefined) => {
    if (!description?.trim()) missing.push(what);
  };
  need(type.name, type.description);
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      need(`${type.name}.${field.name}`, field.description);
      for (const arg of 'args' in field ? field.args : []) need(`${type.name}.${field.name}(${arg.name})`, arg.description);
    }
  }
  if (isEnumType(type)) for (const value of type.getValues()) need(`${type.name}.${value.name}`, value.description);
  return missing;
}

describe('the published schema', () => {
  it('describes every type, field, argument and enum value', () => {
    const schema = apiSchema();
    const own = Object.values(schema.getTypeMap()).filter((t) => !t.name.startsWith('__') && !['String', 'Int', 'Float', 'Boolean', 'ID'].includes(t.name));
    expect(own.length).toBeGreaterThan(20);
    expect(own.flatMap(undocumented)).toEqual([]);
    expect(own.some((t) => isScalarType(t) || isUnionType(t))).toBe(true);
  });

  it('keeps the query surface the issue names', () => {
    const query = apiSchema().getQueryType()!.getFields();
    for (const field of ['decision', 'decisions', 'tenant', 'tenants', 'package', 'packages', 'auditEvents', 'lineage']) {
      expect(query).toHaveProperty(field);
    }
  });
});
