import { IsOptional, MaxLength } from 'class-validator';
import { Args, ArgsType, Authorized, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { PageArgs, toConnection, type ConnectionShape } from '../../core/graphql/connection';
import { Role } from '../../core/tokens/token-kind';
import type { Context } from '../../context';
import { AuditEntryConnection, AuditEntryType } from './audit.type';

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
