import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type DataLoader from 'dataloader';
import type { User } from '../users';
import type { WorkflowService } from './workflow.service';
import type { WorkflowInstanceService } from './workflow-instance.service';
import { personOf, UserType } from '../users';
import { WorkflowErrors } from './workflow.errors';
import { PublishWorkflowInput, WorkflowInstancesArgs, WorkflowTokensArgs } from './workflow.inputs';
import { workflowLoaders } from './workflow.loaders';
import {
  PublishWorkflowPayload,
  RegenerateWorkflowTokenPayload,
  WorkflowApiEndpointType,
  WorkflowConnection,
  WorkflowInstanceConnection,
  WorkflowInstanceType,
  WorkflowTokenConnection,
  WorkflowTokenType,
  WorkflowType,
} from './workflow.type';
import { PageArgs } from '../../core/graphql/connection';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ workflows: WorkflowService; workflowInstances: WorkflowInstanceService }> & {
  loaders: { userById: DataLoader<string, User | null> };
};

/** Everything on the workflow-token page: global and automation administrators. */
const MANAGERS = [Role.ADMIN, Role.AUTOMATION_ADMIN];

/** Whether a field sits inside a list (a path with an index). */
/**
 * Whether a value may not be revealed here: inside a list, inside a subscription (its result is
 * pushed to every listener of an audience), or inside an event's current token.
 */
function insideList(info: GraphQLResolveInfo): boolean {
  if (info.operation.operation === 'subscription') return true;
  for (let path: GraphQLResolveInfo['path'] | undefined = info.path; path; path = path.prev) {
    if (typeof path.key === 'number' || path.key === 'currentToken') return true;
  }
  return false;
}

@Resolver(() => WorkflowType)
export class WorkflowResolver {
  @Authorized(MANAGERS)
  @Query(() => WorkflowConnection, { description: "Your tenant's workflows, newest first." })
  async workflows(@Args(() => PageArgs) args: PageArgs, @Ctx() ctx: Context): Promise<ConnectionShape<WorkflowType>> {
    const page = await ctx.services.workflows.list(ctx.actor(), { first: args.first, after: args.after });
    return toConnection(page, (workflow) => WorkflowType.from(workflow));
  }

  @Authorized(MANAGERS)
  @Query(() => WorkflowType, { description: 'One workflow of your tenant (NOT_FOUND otherwise).' })
  async workflow(@Arg('id', () => ID, { description: "The workflow's id." }) id: string, @Ctx() ctx: Context): Promise<WorkflowType> {
    return WorkflowType.from(await ctx.services.workflows.find(ctx.actor(), id));
  }

  @Authorized(MANAGERS)
  @Mutation(() => PublishWorkflowPayload, {
    description:
      'Publishes a workflow (or republishes the one of that name). Publishing a COMPONENT workflow without a token creates its token: the value is in `secret`.',
  })
  async publishWorkflow(
    @Arg('input', () => PublishWorkflowInput, { description: 'The workflow to publish.' }) input: PublishWorkflowInput,
    @Ctx() ctx: Context,
  ): Promise<PublishWorkflowPayload> {
    const { workflow, token, secret } = await ctx.services.workflows.publish(ctx.actor(), input);
    return Object.assign(new PublishWorkflowPayload(), {
      workflow: WorkflowType.from(workflow),
      token: token ? ctx.present(WorkflowTokenType, token) : null,
      secret,
    });
  }

  @FieldResolver(() => WorkflowTokenType, { nullable: true, description: 'The current token; null for a STANDARD workflow or once deleted.' })
  async token(@Root() workflow: WorkflowType, @Ctx() ctx: Context): Promise<WorkflowTokenType | null> {
    const token = await workflowLoaders(ctx).tokenByWorkflowId.load(workflow.id);
    return token ? ctx.present(WorkflowTokenType, token) : null;
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'The user who first published it (null when an app did).' })
  async createdBy(@Root() workflow: WorkflowType, @Ctx() ctx: Context): Promise<UserType | null> {
    return personOf(ctx, workflow.createdById);
  }
}

@Resolver(() => WorkflowTokenType)
export class WorkflowTokenResolver {
  @Authorized(MANAGERS)
  @Query(() => WorkflowTokenConnection, { description: "Your tenant's workflow tokens, the current one per workflow, newest first. Values are never listed." })
  async workflowTokens(@Args(() => WorkflowTokensArgs) args: WorkflowTokensArgs, @Ctx() ctx: Context): Promise<ConnectionShape<WorkflowTokenType>> {
    const page = await ctx.services.workflows.listTokens(ctx.actor(), { first: args.first, after: args.after, status: args.filter?.status });
    return toConnection(page, (record) => ctx.present(WorkflowTokenType, record));
  }

  @Authorized(MANAGERS)
  @Mutation(() => WorkflowTokenType, { description: "Gives the workflow's token a full new term (1 year) from now. The value does not change." })
  async refreshWorkflowToken(
    @Arg('workflowId', () => ID, { description: "The workflow's id." }) workflowId: string,
    @Ctx() ctx: Context,
  ): Promise<WorkflowTokenType> {
    return ctx.present(WorkflowTokenType, await ctx.services.workflows.refresh(ctx.actor(), workflowId));
  }

  @Authorized(MANAGERS)
  @Mutation(() => WorkflowTokenType, { description: "Revokes the workflow's token: it stops working at once, on every instance." })
  async revokeWorkflowToken(
    @Arg('workflowId', () => ID, { description: "The workflow's id." }) workflowId: string,
    @Ctx() ctx: Context,
  ): Promise<WorkflowTokenType> {
    return ctx.present(WorkflowTokenType, await ctx.services.workflows.revoke(ctx.actor(), workflowId));
  }

  @Authorized(MANAGERS)
  @Mutation(() => RegenerateWorkflowTokenPayload, {
    description:
      'Replaces the token value (new term of 1 year). The previous value keeps working until `graceEndsAt` (24 hours). On a revoked or expired token, or a deleted one, this makes the workflow startable again.',
  })
  async regenerateWorkflowToken(
    @Arg('workflowId', () => ID, { description: "The workflow's id." }) workflowId: string,
    @Ctx() ctx: Context,
  ): Promise<RegenerateWorkflowTokenPayload> {
    const { token, secret, graceEndsAt } = await ctx.services.workflows.regenerate(ctx.actor(), workflowId);
    return Object.assign(new RegenerateWorkflowTokenPayload(), { token: ctx.present(WorkflowTokenType, token), secret, graceEndsAt });
  }

  @Authorized(MANAGERS)
  @Mutation(() => WorkflowTokenType, {
    description: "Deletes the workflow's token: the workflow cannot be started from outside until republished or regenerated. Returns the token as it was.",
  })
  async deleteWorkflowToken(
    @Arg('workflowId', () => ID, { description: "The workflow's id." }) workflowId: string,
    @Ctx() ctx: Context,
  ): Promise<WorkflowTokenType> {
    return ctx.present(WorkflowTokenType, await ctx.services.workflows.deleteToken(ctx.actor(), workflowId));
  }

  @FieldResolver(() => WorkflowType, { nullable: true, description: 'The workflow it starts.' })
  async workflow(@Root() token: WorkflowTokenType, @Ctx() ctx: Context): Promise<WorkflowType | null> {
    const workflow = await workflowLoaders(ctx).workflowById.load(token.workflowId);
    return workflow ? WorkflowType.from(workflow) : null;
  }

  @FieldResolver(() => UserType, { nullable: true, description: 'The user who created it (null when an app did).' })
  async createdBy(@Root() token: WorkflowTokenType, @Ctx() ctx: Context): Promise<UserType | null> {
    return personOf(ctx, token.createdById);
  }

  @FieldResolver(() => WorkflowApiEndpointType, {
    nullable: true,
    description:
      'The "API endpoints" view: URL, URL with token, token, headers, an example body and a curl command. With `reveal: true` (one token at a time, not in lists; audited) the value is filled in.',
  })
  async apiEndpoint(
    @Root() token: WorkflowTokenType,
    @Arg('reveal', () => Boolean, { defaultValue: false, description: 'Fill in the token value (audited). Not allowed inside lists.' }) reveal: boolean,
    @Info() info: GraphQLResolveInfo,
    @Ctx() ctx: Context,
  ): Promise<WorkflowApiEndpointType | null> {
    if (reveal && insideList(info)) throw WorkflowErrors.revealInList();
    const workflow = await workflowLoaders(ctx).workflowById.load(token.workflowId);
    if (!workflow) return null;
    const value = reveal ? await ctx.services.workflows.revealToken(ctx.actor(), token.id) : null;
    return Object.assign(new WorkflowApiEndpointType(), ctx.services.workflows.apiEndpoint(workflow, value));
  }
}

@Resolver(() => WorkflowInstanceType)
export class WorkflowInstanceResolver {
  @Authorized(MANAGERS)
  @Query(() => WorkflowInstanceConnection, { description: 'What was started of a workflow, by which token, newest first.' })
  async workflowInstances(@Args(() => WorkflowInstancesArgs) args: WorkflowInstancesArgs, @Ctx() ctx: Context): Promise<ConnectionShape<WorkflowInstanceType>> {
    const page = await ctx.services.workflowInstances.list(ctx.actor(), args.workflowId, { first: args.first, after: args.after });
    return toConnection(page, (instance) => WorkflowInstanceType.from(instance));
  }
}
