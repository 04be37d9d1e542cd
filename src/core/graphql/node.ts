import { isInterfaceType, type GraphQLSchema } from 'graphql';
import { Field, ID, InterfaceType } from 'type-graphql';
import { AppError, ErrorCode } from '../errors';
import type { IdPrefix } from '../ids';
import type { Role } from '../tokens/token-kind';

/** The part of an id before its first `_`: `pat_0Vcu…` → `pat`. Every id Tessera makes has one. */
export function prefixOf(id: string): string {
  const at = id.indexOf('_');
  return at > 0 ? id.slice(0, at) : '';
}

/** Who asks for a node: enough to apply each type's visibility rules. */
export interface NodeViewer {
  id: string;
  tenantId: string;
  role: Role;
}

/**
 * One type of node, declared by the module that owns it: the id prefix it answers for, its
 * GraphQL type name, and how to load one for a viewer — null when there is no such object or
 * the viewer may not read it (the two must read alike). `C` is the request context.
 */
export interface NodeSource<C> {
  prefix: IdPrefix;
  typeName: string;
  load(context: C, id: string, options?: NodeLoadOptions): Promise<{ id: string } | null>;
}

/** How a node is loaded. */
export interface NodeLoadOptions {
  /**
   * False where no value may appear (an event's `currentToken`, pushed to every listener of an
   * audience and listed in history): a source that can show a value (a primary token's) leaves it
   * out. @default true
   */
  values?: boolean;
}

/** Type names by id prefix, set from the modules' node sources when the schema is built. */
const typeByPrefix = new Map<string, string>();

/**
 * Records which GraphQL type each id prefix names. A prefix claimed twice is a programming error:
 * ids must be unique across types for `node(id:)` to mean one thing.
 */
export function registerNodeTypes(sources: readonly Pick<NodeSource<unknown>, 'prefix' | 'typeName'>[]): void {
  for (const { prefix, typeName } of sources) {
    const known = typeByPrefix.get(prefix);
    if (known !== undefined && known !== typeName) throw new Error(`node id prefix ${prefix} is claimed by ${known} and ${typeName}`);
    typeByPrefix.set(prefix, typeName);
  }
}

/**
 * Makes the built schema's `Node` resolve its type synchronously, by id prefix. type-graphql wraps
 * an interface's resolveType in an async function; graphql-jit (which runs Tessera's operations)
 * does not await it and fails with "must resolve to an Object type".
 */
export function resolveNodesSynchronously(schema: GraphQLSchema): GraphQLSchema {
  const node = schema.getType('Node');
  if (isInterfaceType(node)) node.resolveType = (value) => nodeTypeOf((value as { id: string }).id);
  return schema;
}

/** The GraphQL type an id names, from its prefix. */
export function nodeTypeOf(id: string): string | undefined {
  return typeByPrefix.get(prefixOf(id));
}

@InterfaceType('Node', {
  description:
    'An object whose id is unique across the whole API (Relay global object identification): fetch it again with `node(id:)` or `nodes(ids:)`, and normalized client caches (Apollo, urql graphcache, Relay) key it by that id. The prefix of an id names its type (`pat_…` a personal access token, `wfl_…` a workflow).',
  resolveType: (value: { id: string }) => nodeTypeOf(value.id),
})
export abstract class Node {
  @Field(() => ID, { description: 'Globally unique id; its prefix names its type.' })
  id!: string;
}

/**
 * Runs a module's own single-item lookup for a node: its NOT_FOUND and FORBIDDEN both become null,
 * so an id of another tenant, of nothing, or of something the viewer's role may not read answer
 * alike. Other failures (storage) stay what they are.
 */
export async function visibleOrNull<T>(lookup: () => Promise<T>): Promise<T | null> {
  try {
    return await lookup();
  } catch (error) {
    if (error instanceof AppError && (error.code === ErrorCode.NOT_FOUND || error.code === ErrorCode.FORBIDDEN)) return null;
    throw error;
  }
}

/** Every module's node sources by prefix: the one way `node(id:)`, `nodes(ids:)` and events' `currentToken` load objects. */
export class NodeDirectory<C> {
  private readonly byPrefix = new Map<string, NodeSource<C>>();

  constructor(sources: readonly NodeSource<C>[]) {
    for (const source of sources) {
      if (this.byPrefix.has(source.prefix)) throw new Error(`node id prefix ${source.prefix} is declared twice`);
      this.byPrefix.set(source.prefix, source);
    }
  }

  /** The object `id` names, as `context`'s viewer may read it; null for nothing, another tenant's, or not readable. */
  load(context: C, id: string, options?: NodeLoadOptions): Promise<{ id: string } | null> {
    const source = this.byPrefix.get(prefixOf(id));
    return source ? source.load(context, id, options) : Promise.resolve(null);
  }
}
