import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type { Config } from '../../core/config';
import type { EndpointService } from './endpoint.service';
import type { EndpointTokenService } from './endpoint-token.service';
import { AssignEndpointTokenInput, CreateEndpointTokenInput, EndpointTokensArgs, UpdateEndpointTokenInput } from './endpoint.inputs';
import { endpointLoaders } from './endpoint.loaders';
import { ENDPOINT_READERS } from './endpoint.resolver';
import {
  AssignEndpointTokenPayload,
  AssignmentType,
  CreateEndpointTokenPayload,
  EndpointTokenConnection,
  EndpointTokenSecretPayload,
  EndpointTokenType,
  EndpointType,
} from './endpoint.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ config: Config; endpointTokens: EndpointTokenService; endpoints: EndpointService }>;

@Resolver(() => EndpointTokenType)
export class EndpointTokenResolver {
  @Authorized(ENDPOINT_READERS)
  @Query(() => EndpointTokenConnection, { description: 'Secondary endpoint tokens, newest first: active ones by default. Values are never listed.' })
  async endpointTokens(@Args(() => EndpointTokensArgs) args: EndpointTokensArgs, @Ctx() ctx: Context): Promise<ConnectionShape<EndpointTokenType>> {
    const page = await ctx.services.endpointTokens.list(ctx.actor(), args);
    return toConnection(page, (record) => ctx.present(EndpointTokenType, record));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => CreateEndpointTokenPayload, { description: 'Creates a secondary endpoint token: the value is in `secret`.' })
  async createEndpointToken(
    @Arg('input', () => CreateEndpointTokenInput, { description: 'The new token.' }) input: CreateEndpointTokenInput,
    @Ctx() ctx: Context,
  ): Promise<CreateEndpointTokenPayload> {
    const { token, secret } = await ctx.services.endpointTokens.create(ctx.actor(), input);
    return Object.assign(new CreateEndpointTokenPayload(), { endpointToken: ctx.present(EndpointTokenType, token), secret });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenSecretPayload, { description: "Shows a secondary token's current value (administrators; audited)." })
  async revealEndpointToken(
    @Arg('id', () => ID, { description: "The endpoint token's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<EndpointTokenSecretPayload> {
    const { token, secret } = await ctx.services.endpointTokens.reveal(ctx.actor(), id);
    return Object.assign(new EndpointTokenSecretPayload(), { endpointToken: ctx.present(EndpointTokenType, token), secret });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenSecretPayload, { description: 'Gives a secondary token a new value; the old one stops at once. Its assignments stay.' })
  async regenerateEndpointToken(
    @Arg('id', () => ID, { description: "The endpoint token's id." }) id: string,
    @Ctx() ctx: Context,
  ): Promise<EndpointTokenSecretPayload> {
    const { token, secret } = await ctx.services.endpointTokens.regenerate(ctx.actor(), id);
    return Object.assign(new EndpointTokenSecretPayload(), { endpointToken: ctx.present(EndpointTokenType, token), secret });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenType, {
    description: "Renames a secondary token or changes its description (seed 002's token settings); its value and assignments stay.",
  })
  async updateEndpointToken(
    @Arg('id', () => ID, { description: "The endpoint token's id." }) id: string,
    @Arg('input', () => UpdateEndpointTokenInput, { description: 'The changes.' }) input: UpdateEndpointTokenInput,
    @Ctx() ctx: Context,
  ): Promise<EndpointTokenType> {
    return ctx.present(EndpointTokenType, await ctx.services.endpointTokens.update(ctx.actor(), id, input));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenType, { description: 'Switches a secondary token on or off: off cuts it on every endpoint at once.' })
  async setEndpointTokenEnabled(
    @Arg('id', () => ID, { description: "The endpoint token's id." }) id: string,
    @Arg('enabled', () => Boolean, { description: 'true switches it on, false off.' }) enabled: boolean,
    @Ctx() ctx: Context,
  ): Promise<EndpointTokenType> {
    return ctx.present(EndpointTokenType, await ctx.services.endpointTokens.setEnabled(ctx.actor(), id, enabled));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenType, { description: 'Makes a secondary token inactive (revoked): it stops at once and leaves the default list.' })
  async deactivateEndpointToken(@Arg('id', () => ID, { description: "The endpoint token's id." }) id: string, @Ctx() ctx: Context): Promise<EndpointTokenType> {
    return ctx.present(EndpointTokenType, await ctx.services.endpointTokens.deactivate(ctx.actor(), id));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => EndpointTokenType, { description: 'Makes an inactive secondary token active again, with its value and assignments.' })
  async activateEndpointToken(@Arg('id', () => ID, { description: "The endpoint token's id." }) id: string, @Ctx() ctx: Context): Promise<EndpointTokenType> {
    return ctx.present(EndpointTokenType, await ctx.services.endpointTokens.activate(ctx.actor(), id));
  }

  @FieldResolver(() => [AssignmentType], { description: 'Where it is assigned.' })
  async assignments(@Root() token: EndpointTokenType, @Ctx() ctx: Context): Promise<AssignmentType[]> {
    const rows = await endpointLoaders(ctx).assignmentsByToken.load(token.id);
    return rows.map((row) => AssignmentType.from(row));
  }
}

@Resolver(() => AssignmentType)
export class AssignmentResolver {
  @Authorized([Role.ADMIN])
  @Mutation(() => AssignEndpointTokenPayload, {
    description: "Assigns a secondary token to an endpoint for some methods (mapped to that endpoint's primary tokens).",
  })
  async assignEndpointToken(
    @Arg('input', () => AssignEndpointTokenInput, { description: 'The token, the endpoint and the methods.' }) input: AssignEndpointTokenInput,
    @Ctx() ctx: Context,
  ): Promise<AssignEndpointTokenPayload> {
    const assignment = await ctx.services.endpointTokens.assign(ctx.actor(), input);
    return Object.assign(new AssignEndpointTokenPayload(), { assignment: AssignmentType.from(assignment) });
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => AssignmentType, { description: 'Switches one assignment on or off: off cuts that one integration, nothing else.' })
  async setAssignmentEnabled(
    @Arg('id', () => ID, { description: "The assignment's id." }) id: string,
    @Arg('enabled', () => Boolean, { description: 'true switches it on, false off.' }) enabled: boolean,
    @Ctx() ctx: Context,
  ): Promise<AssignmentType> {
    return AssignmentType.from(await ctx.services.endpointTokens.setAssignmentEnabled(ctx.actor(), id, enabled));
  }

  @Authorized([Role.ADMIN])
  @Mutation(() => AssignmentType, { description: 'Removes an assignment; returns it as it was.' })
  async unassignEndpointToken(@Arg('id', () => ID, { description: "The assignment's id." }) id: string, @Ctx() ctx: Context): Promise<AssignmentType> {
    return AssignmentType.from(await ctx.services.endpointTokens.unassign(ctx.actor(), id));
  }

  @FieldResolver(() => EndpointType, { nullable: true, description: 'The endpoint.' })
  async endpoint(@Root() assignment: AssignmentType, @Ctx() ctx: Context): Promise<EndpointType | null> {
    const endpoint = await endpointLoaders(ctx).endpointById.load(assignment.endpointId);
    return endpoint ? EndpointType.from(endpoint, ctx.services.config.publicUrl) : null;
  }

  @FieldResolver(() => EndpointTokenType, { nullable: true, description: 'The secondary token.' })
  async token(@Root() assignment: AssignmentType, @Ctx() ctx: Context): Promise<EndpointTokenType | null> {
    const token = await endpointLoaders(ctx).secondaryTokenById.load(assignment.tokenId);
    return token ? ctx.present(EndpointTokenType, token) : null;
  }
}
