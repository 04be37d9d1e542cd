import { Args, Authorized, Ctx, Field, FieldResolver, Int, ObjectType, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Node } from '../core/graphql/node';
import type { TokenEventRecord } from '../core/events/event.entity';
import { PageInfo, withLazyCount } from '../core/graphql/connection';
import type { RequestContext } from '../core/graphql/request-context';
import type { NodeDirectory } from '../core/graphql/node';
import { EXPIRY_TYPES, REVOCATION_TYPES, type EventFilter, type NoticeService } from './notice.service';
import { NoticeSubscriptionArgs, TokenEventsArgs, TokenEventView, type TokenEventFilter } from './token-event.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ notices: NoticeService; nodes: NodeDirectory<object> }>;

@ObjectType('TokenEventEdge', { description: 'One event in a list; its cursor is its id.' })
class TokenEventEdge {
  @Field(() => String, { description: 'The event id: pass as `after`.' })
  cursor!: string;

  @Field(() => TokenEventView, { description: 'The event.' })
  node!: TokenEventView;
}

@ObjectType('TokenEventConnection', { description: 'A page of events, oldest first (Relay connection).' })
class TokenEventConnection {
  @Field(() => [TokenEventEdge], { description: 'The events on this page.' })
  edges!: TokenEventEdge[];

  @Field(() => PageInfo, { description: 'Where this page sits.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many events match, across pages.' })
  totalCount!: number | Promise<number>;
}

/** The filter's subject lists, whatever they are called, narrow by the token's subject. */
function toFilter(input: TokenEventFilter | null | undefined, onlyTypes?: string[]): EventFilter {
  const subjectIds = [...(input?.workflowIds ?? []), ...(input?.endpointIds ?? []), ...(input?.appIds ?? []), ...(input?.providerIds ?? [])];
  const types = onlyTypes ? (input?.types?.length ? input.types.filter((type) => onlyTypes.includes(type)) : onlyTypes) : input?.types;
  return {
    kinds: input?.kinds,
    tokenIds: input?.tokenIds,
    subjectIds,
    // An asked-for type outside the family leaves nothing to match.
    types: (types?.length === 0 && onlyTypes ? ['NONE'] : types) as EventFilter['types'],
  };
}

function listen(onlyTypes?: string[]) {
  return ({ args, context }: SubscribeResolverData<unknown, NoticeSubscriptionArgs, Context>): Promise<AsyncIterable<TokenEventRecord>> => {
    const { filter, after } = args;
    return context.services.notices.listen(context.requireViewer(), toFilter(filter, onlyTypes), after);
  };
}

@Resolver()
export class NoticeResolver {
  @Authorized()
  @Query(() => TokenEventConnection, {
    description: 'Stored events of your tenant that you may see, oldest first: dashboards page through history with `after`.',
  })
  async tokenEvents(@Args(() => TokenEventsArgs) args: TokenEventsArgs, @Ctx() ctx: Context): Promise<TokenEventConnection> {
    const page = await ctx.services.notices.history(ctx.requireViewer(), { first: args.first, after: args.after, filter: toFilter(args.filter) });
    const edges = page.items.map((event) => ({ cursor: String(event.id), node: TokenEventView.from(event) }));
    return withLazyCount(
      {
        edges,
        pageInfo: {
          hasNextPage: page.hasNextPage,
          hasPreviousPage: Boolean(args.after),
          startCursor: edges[0]?.cursor ?? null,
          endCursor: edges[edges.length - 1]?.cursor ?? null,
        },
      },
      page.totalCount,
    );
  }

  @Authorized()
  @Subscription(() => TokenEventView, {
    name: 'tokenEvents',
    description: 'Every event you may see, live. With `after`, first what you missed since that id.',
    subscribe: listen(),
  })
  tokenEventsLive(@Root() event: TokenEventRecord, @Args(() => NoticeSubscriptionArgs) _args: NoticeSubscriptionArgs): TokenEventView {
    return TokenEventView.from(event);
  }

  @Authorized()
  @Subscription(() => TokenEventView, {
    description: 'EXPIRING_SOON and EXPIRED notices, live. With `after`, first what you missed.',
    subscribe: listen(EXPIRY_TYPES),
  })
  expiryNotices(@Root() event: TokenEventRecord, @Args(() => NoticeSubscriptionArgs) _args: NoticeSubscriptionArgs): TokenEventView {
    return TokenEventView.from(event);
  }

  @Authorized()
  @Subscription(() => TokenEventView, {
    description: 'REVOKED, REGENERATED, DELETED, DISABLED and UNASSIGNED notices, live: what a gateway must act on now. With `after`, first what you missed.',
    subscribe: listen(REVOCATION_TYPES),
  })
  revocationNotices(@Root() event: TokenEventRecord, @Args(() => NoticeSubscriptionArgs) _args: NoticeSubscriptionArgs): TokenEventView {
    return TokenEventView.from(event);
  }
}

/** What an event adds beyond its snapshot: the token as it is now, for caches to update it in place. */
@Resolver(() => TokenEventView)
export class TokenEventFieldsResolver {
  @FieldResolver(() => Node, {
    nullable: true,
    description:
      "The token as it is now (its own type, e.g. PersonalAccessToken, with `id`), so a normalized cache updates the token in a dashboard's lists; null once the token is deleted, or when your role may not read that kind of token through its own query. `token` is the snapshot right after this event.",
  })
  async currentToken(@Root() event: TokenEventView, @Ctx() ctx: Context): Promise<Node | null> {
    // No value ever rides an event (a primary token's secret is left out).
    return ((await ctx.services.nodes.load(ctx, event.token.tokenId, { values: false })) as Node | null) ?? null;
  }
}
