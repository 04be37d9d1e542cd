import { IsOptional, MaxLength } from 'class-validator';
import { Args, ArgsType, Authorized, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { PageArgs, toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { RequestContext } from '../../core/graphql/request-context';
import type { AuditService } from './audit.service';
import { AuditEntryConnection, AuditEntryType } from './audit.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ audit: AuditService }>;

@ArgsType()
class AuditLogArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Only entries with this action.' })
  @IsOptional()
  @MaxLength(100)
  action?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only entries about this record.' })
  @IsOptional()
  @MaxLength(100)
  targetId?: string | null;
}

@Resolver()
export class AuditResolver {
  @Authorized([Role.ADMIN])
  @Query(() => AuditEntryConnection, { description: "Your tenant's audit log, newest first (administrators)." })
  async auditLog(@Args(() => AuditLogArgs) args: AuditLogArgs, @Ctx() ctx: Context): Promise<ConnectionShape<AuditEntryType>> {
    const page = await ctx.services.audit.list(ctx.actor(), args);
    return toConnection(page, AuditEntryType.from);
  }
}
