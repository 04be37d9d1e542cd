import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { PageArgs, toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type { Config } from '../../core/config';
import type { EndpointService } from './endpoint.service';
import type { EndpointTokenService } from './endpoint-token.service';
import { HttpMethod } from './endpoint.entity';
import { CreateEndpointInput, EndpointDataArgs, EndpointTokenStatesArgs, UpdateEndpointInput } from './endpoint.inputs';
import { endpointLoaders } from './endpoint.loaders';
import {
  AssignmentType,
  CreateEndpointPayload,
  EndpointCallConnection,
  EndpointCallType,
  EndpointConnection,
  EndpointPrimaryTokenType,
  EndpointTokenStateConnection,
  EndpointTokenStateType,
  EndpointTokenType,
  EndpointType,
} from './endpoint.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ config: Config; endpointTokens: EndpointTokenService; endpoints: EndpointService }>;

/**
 * Who may read endpoint configuration and secondary-token metadata: administrators manage
 * endpoints; automation administrators and developers may look (never at values nor at the
 * received data, which can hold anything callers sent).
 */
export const ENDPOINT_READERS = [Role.ADMIN, Role.AUTOMATION_ADMIN, Role.DEVELOPER];

@Resolver(() => EndpointType)
export class EndpointResolver {
  @Authorized(ENDPOINT_READERS)
  @Query(() => EndpointConnection, { description: "The tenant's endpoints, newest first." })
  async endpoints(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<EndpointType>> {
    const page = await ctx.services.endpoints.list(ctx.actor(), args);
    return toConnection(page, (endpoint) => EndpointType.from(endpoint, ctx.services.config.publicUrl));
  }

  @Authorized(ENDPOINT_READERS)
  @Query(() => EndpointType, { description: 'One endpoint.' })
  async endpoint(@Arg('id', () => ID, { description: "The endpoint's id." }) id: string, @Ctx() ctx: Context): Promise<EndpointType> {
    return EndpointType.from(await ctx.services.endpoints.get(ctx.actor(), id), ctx.services.config.publicUrl);
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => CreateEndpointPayload, { description: 'Creates an endpoint; with TOKEN security its primary tokens exist at once.' })
  async createEndpoint(
    @Arg('input', () => CreateEndpointInput, { description: 'The new endpoint.' }) input: CreateEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<CreateEndpointPayload> {
    const endpoint = await ctx.services.endpoints.create(ctx.actor(), input);
    return Object.assign(new CreateEndpointPayload(), { endpoint: EndpointType.from(endpoint, ctx.services.config.publicUrl) });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointType, {
    description: 'Changes an endpoint. Primary tokens follow: DELETE appears and disappears with allowDelete; TOKEN security creates them, NONE deletes them.',
  })
  async updateEndpoint(
    @Arg('id', () => ID, { description: "The endpoint's id." }) id: string,
    @Arg('input', () => UpdateEndpointInput, { description: 'What changes; absent fields stay as they are.' }) input: UpdateEndpointInput,
    @Ctx() ctx: Context,
  ): Promise<EndpointType> {
    return EndpointType.from(await ctx.services.endpoints.update(ctx.actor(), id, input), ctx.services.config.publicUrl);
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointPrimaryTokenType, {
    description: 'Re-creates the primary token of one method: the new value is in `secret`; the old one stops at once.',
  })
  async generatePrimaryToken(
    @Arg('endpointId', () => ID, { description: "The endpoint's id." }) endpointId: string,
    @Arg('method', () => HttpMethod, { description: 'The HTTP method the token is for.' }) method: HttpMethod,
    @Ctx() ctx: Context,
  ): Promise<EndpointPrimaryTokenType> {
    return EndpointPrimaryTokenType.from(await ctx.services.endpoints.generatePrimaryToken(ctx.actor(), endpointId, method));
  }

  @Authorized([Role.ADMIN])
  @Query(() => EndpointCallConnection, {
    description: 'The data viewer: calls an endpoint received, newest first; filter by token to see which application talks through it.',
  })
  async endpointData(@Args(() => EndpointDataArgs) args: EndpointDataArgs, @Ctx() ctx: Context): Promise<ConnectionShape<EndpointCallType>> {
    const page = await ctx.services.endpoints.calls(ctx.actor(), args);
    return toConnection(page, (call) => EndpointCallType.from(call));
  }

  @FieldResolver(() => [EndpointPrimaryTokenType], {
    description: 'Its primary tokens, one per method (none with NONE security); values for administrators only.',
  })
  async primaryTokens(@Root() endpoint: EndpointType, @Ctx() ctx: Context): Promise<EndpointPrimaryTokenType[]> {
    const views = await endpointLoaders(ctx).primaryTokensByEndpoint.load(endpoint.id);
    return views.map((view) => EndpointPrimaryTokenType.from(view));
  }

  @FieldResolver(() => EndpointTokenStateConnection, {
    description: "The tenant's secondary tokens with their assignment to this endpoint (the token tab), newest first.",
  })
  async tokens(
    @Root() endpoint: EndpointType,
    @Args(() => EndpointTokenStatesArgs) args: EndpointTokenStatesArgs,
    @Ctx() ctx: Context,
  ): Promise<ConnectionShape<EndpointTokenStateType>> {
    const page = await ctx.services.endpointTokens.statesOn(ctx.actor(), endpoint.id, args);
    return toConnection(page, (state) =>
      Object.assign(new EndpointTokenStateType(), {
        token: ctx.present(EndpointTokenType, state.token),
        assignment: state.assignment ? AssignmentType.from(state.assignment) : null,
        assigned: state.assignment !== null,
      }),
    );
  }
}
