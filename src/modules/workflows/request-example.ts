type Schema = Record<string, unknown>;

const MAX_DEPTH = 6;

/**
 * A JSON example of a body that satisfies a request schema, for the "API endpoints" view:
 * the schema's own `examples`, `default`, `const` or first `enum` value where it gives one,
 * otherwise a placeholder of the right type for each required or declared property. Without a
 * schema, an empty object.
 */
export function exampleOf(schema: Schema | null, depth = 0): unknown {
  if (!schema) return {};
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ('default' in schema) return schema.default;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (depth >= MAX_DEPTH) return null;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 'string';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'null':
      return null;
    case 'array': {
      const items = schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items) ? (schema.items as Schema) : null;
      return items ? [exampleOf(items, depth + 1)] : [];
    }
    default: {
      const properties = (schema.properties && typeof schema.properties === 'object' ? schema.properties : {}) as Record<string, Schema>;
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(properties)) {
        if (property && typeof property === 'object') out[name] = exampleOf(property, depth + 1);
      }
      return out;
    }
  }
}
