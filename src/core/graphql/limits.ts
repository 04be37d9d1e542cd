import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

/** Limits on what one GraphQL document may ask for. */
export interface QueryLimits {
  /** @default 10 */
  maxDepth: number;
  /** @default 15 */
  maxAliases: number;
  /** Static cost (graphql-armor's estimate: objects 2, scalars 1, ×1.5 per level). @default 50000 */
  maxCost: number;
  /** @default 20 */
  maxDirectives: number;
}

export const DEFAULT_QUERY_LIMITS: QueryLimits = { maxDepth: 10, maxAliases: 15, maxCost: 50_000, maxDirectives: 20 };

/**
 * Validation rules that refuse abusive documents before anything runs (graphql-armor, a
 * maintained set of the OWASP GraphQL cheat sheet's limits). The same rules guard HTTP and
 * graphql-ws. Introspection is exempt from the depth limit so tooling keeps working.
 */
export function limitRules(limits: QueryLimits = DEFAULT_QUERY_LIMITS): ValidationRule[] {
  // Report as ordinary validation errors (answered BAD_USER_INPUT) instead of throwing.
  const common = {
    propagateOnRejection: false,
    exposeLimits: true,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(error)],
  };
  return [
    maxDepthRule({ ...common, n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesRule({ ...common, n: limits.maxAliases }),
    costLimitRule({ ...common, maxCost: limits.maxCost, objectCost: 2, scalarCost: 1, depthCostFactor: 1.5, ignoreIntrospection: true }),
    maxDirectivesRule({ ...common, n: limits.maxDirectives }),
  ] as ValidationRule[];
}

/**
 * `graphql.validate` with the limits added, for graphql-ws. With `introspection: false` it does
 * what Apollo does over HTTP: refuses introspection and hides schema details (no "Did you mean"
 * suggestions of field, type or argument names) from validation errors.
 */
export function validateWithLimits(rules: ValidationRule[], options: { introspection?: boolean } = {}) {
  const closed = options.introspection === false;
  const all = closed ? [...specifiedRules, NoSchemaIntrospectionCustomRule, ...rules] : [...specifiedRules, ...rules];
  return (schema: GraphQLSchema, document: Parameters<typeof validate>[1]) => {
    const errors = validate(schema, document, all);
    if (!closed) return errors;
    for (const error of errors) error.message = error.message.replace(/ ?Did you mean(.+?)\?$/, '');
    return errors;
  };
}
