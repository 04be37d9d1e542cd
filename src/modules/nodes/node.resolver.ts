import { ArrayMaxSize } from 'class-validator';
import { Arg, Args, ArgsType, Authorized, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../core/graphql/request-context';
import { AppError } from '../../core/errors';
import { Node } from '../../core/graphql/node';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ nodes: { load(context: unknown, id: string): Promise<{ id: string } | null> } }>;

/** The most ids one `nodes` call takes. */
export const MAX_NODE_IDS = 100;

@ArgsType()
class NodesArgs {
  @Field(() => [ID], { description: `Up to ${MAX_NODE_IDS} ids, of any types.` })
  @ArrayMaxSize(MAX_NODE_IDS, { message: `at most ${MAX_NODE_IDS} ids` })
  ids!: string[];
}

/**
 * Relay global object identification: any object with a global id, fetched again by that id,
 * under the same rules as its own query (another tenant's, or a type the caller's role may not
 * read, reads exactly like an id that names nothing).
 */
@Resolver()
export class NodeResolver {
  @Authorized()
  @Query(() => Node, {
    description:
      "The object with this id (any type that implements Node). NOT_FOUND when there is none you may read: another tenant's id answers exactly like an unknown one.",
  })
  async node(@Arg('id', () => ID, { description: 'A global id (`pat_…`, `wfl_…`, …).' }) id: string, @Ctx() ctx: Context): Promise<Node> {
    const found = await ctx.services.nodes.load(ctx, id);
    if (!found) throw AppError.notFound('Node', id);
    return found as Node;
  }

  @Authorized()
  @Query(() => [Node], {
    nullable: 'items',
    description: `The objects with these ids, in the same order. Where there is none you may read, the item is null and \`errors\` has a NOT_FOUND at that item's path (as \`node\` would answer; GitHub's API does the same). At most ${MAX_NODE_IDS} ids (BAD_USER_INPUT beyond).`,
  })
  async nodes(@Args(() => NodesArgs) args: NodesArgs, @Ctx() ctx: Context): Promise<(Node | AppError)[]> {
    // An Error as a list item becomes that item's null and its error (GraphQL's own rule).
    return Promise.all(args.ids.map(async (id) => ((await ctx.services.nodes.load(ctx, id)) as Node | null) ?? AppError.notFound('Node', id)));
  }
}
