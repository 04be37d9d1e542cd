import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isScalarType, isSpecifiedScalarType, type GraphQLNamedType } from 'graphql';

/** Every element of a named type that a contract test or a generated client shows to people, unnamed when described. */
function undescribed(type: GraphQLNamedType): string[] {
  const missing: string[] = [];
  if (!type.description) missing.push(type.name);
  if (isObjectType(type) || isInterfaceType(type) || isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (!field.description) missing.push(`${type.name}.${field.name}`);
      for (const arg of 'args' in field ? field.args : []) if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
    }
  }
  if (isEnumType(type)) for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
  return missing;
}

/** The emitted schema (CI fails when it drifts from the code) documents itself completely. */
describe('schema/schema.graphql', () => {
  const schema = buildSchema(readFileSync(join(__dirname, '../../schema/schema.graphql'), 'utf8'));
  const types = Object.values(schema.getTypeMap()).filter((type) => !type.name.startsWith('__') && !(isScalarType(type) && isSpecifiedScalarType(type)));

  it('should describe every type, field, argument, input field and enum value', () => {
    expect(types.length).toBeGreaterThan(50);
    expect(types.flatMap(undescribed)).toEqual([]);
  });

  it('should find an undescribed element when there is one', () => {
    const bare = buildSchema('"""Described."""\ntype Query { """Described."""\n  a(x: Int): Int\n  b: Int }\nenum E { """Described."""\n  ONE\n  TWO }');
    expect(
      Object.values(bare.getTypeMap())
        .filter((type) => !type.name.startsWith('__') && !isSpecifiedScalarType(type))
        .flatMap(undescribed)
        .sort(),
    ).toEqual(['E', 'E.TWO', 'Query.a(x)', 'Query.b']);
  });
});
