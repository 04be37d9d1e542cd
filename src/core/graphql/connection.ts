import { Max, Min } from 'class-validator';
import { ArgsType, Field, Int, ObjectType, type ClassType } from 'type-graphql';
import { encodeCursor, MAX_PAGE_SIZE, type Page } from '../db/paginate';

/** Relay page information. */
@ObjectType({ description: 'Where a page sits in its list (Relay).', simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean, { description: 'Whether items follow this page.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'Whether items precede this page.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Cursor of the first item on this page.' })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: 'Cursor of the last item; pass it as `after` for the next page.' })
  endCursor!: string | null;
}

@ArgsType()
export class PageArgs {
  @Field(() => Int, { nullable: true, defaultValue: 20, description: `How many items, 1 to ${MAX_PAGE_SIZE}.` })
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  first: number = 20;

  @Field(() => String, { nullable: true, description: 'Return items after this cursor.' })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface ConnectionShape<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
  /** A getter: the count runs only when a query selects the field (see `withLazyCount`). */
  readonly totalCount: number | Promise<number>;
}

/**
 * A Relay connection type for `nodeType`: `<name>Connection` with `edges { cursor node }`,
 * `pageInfo` and `totalCount`.
 */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string, noun: string): ClassType<ConnectionShape<T>> {
  @ObjectType(`${name}Edge`, { description: `One ${noun} in a list, with its cursor.`, simpleResolvers: true })
  class EdgeClass {
    @Field(() => String, { description: 'Pass as `after` to continue after this item.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${noun}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${noun}s (Relay connection).`, simpleResolvers: true })
  class ConnectionClass {
    @Field(() => [EdgeClass], { description: 'The items on this page.' })
    edges!: Edge<T>[];

    @Field(() => PageInfo, { description: 'Where this page sits in the list.' })
    pageInfo!: PageInfo;

    // Not a simple field: the value is a promise (a getter, see withLazyCount), which graphql-jit
    // awaits only from a resolver.
    @Field(() => Int, { simple: false, description: 'How many items the whole list holds, across pages.' })
    totalCount!: number | Promise<number>;
  }
  return ConnectionClass;
}

/**
 * A connection whose `totalCount` is a getter calling `count`: GraphQL reads a field only when the
 * query selects it, so a page asked for without `totalCount` never runs the count (the one read of
 * a list whose cost grows with the table; bench/scale).
 */
export function withLazyCount<C extends object>(connection: C, count: () => Promise<number>): C & { readonly totalCount: Promise<number> } {
  return Object.defineProperty(connection, 'totalCount', { get: count, enumerable: true }) as C & { readonly totalCount: Promise<number> };
}

/** Maps a storage page to a connection. */
export function toConnection<E extends { id: string }, T>(page: Page<E>, map: (item: E) => T): ConnectionShape<T> {
  const edges = page.items.map((item) => ({ cursor: encodeCursor(item.id), node: map(item) }));
  return withLazyCount(
    {
      edges,
      pageInfo: {
        hasNextPage: page.hasNextPage,
        hasPreviousPage: page.hasPreviousPage,
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges[edges.length - 1]?.cursor ?? null,
      },
    },
    page.totalCount,
  );
}
