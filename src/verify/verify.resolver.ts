import { IsIn, IsOptional, Length, MaxLength } from 'class-validator';
import { Args, ArgsType, Authorized, Ctx, Field, ID, Query, Resolver } from 'type-graphql';
import { Role } from '../core/tokens/token-kind';
import type { RequestContext } from '../core/graphql/request-context';
import { HTTP_METHODS, type VerifyService } from './verify.service';
import { VerifyResultType } from './verify.type';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ verify: VerifyService }>;

@ArgsType()
class VerifyTokenArgs {
  @Field(() => String, { description: 'The presented value.' })
  @Length(1, 512)
  token!: string;

  @Field(() => ID, { nullable: true, description: 'The endpoint it is presented at (endpoint tokens).' })
  @IsOptional()
  @MaxLength(64)
  endpointId?: string | null;

  @Field(() => String, { nullable: true, description: 'The HTTP method it is presented with (endpoint tokens).' })
  @IsOptional()
  @IsIn(HTTP_METHODS)
  method?: string | null;
}

/** Who may ask: gateways (app tokens act as AUTOMATION_ADMIN), administrators, developers. */
export const VERIFIER_ROLES = [Role.ADMIN, Role.AUTOMATION_ADMIN, Role.DEVELOPER];

@Resolver()
export class VerifyResolver {
  @Authorized(VERIFIER_ROLES)
  @Query(() => VerifyResultType, { description: 'Is this token good here? The kind, owner and expiry, or why not. Tokens of other tenants read as UNKNOWN.' })
  async verifyToken(@Args(() => VerifyTokenArgs) args: VerifyTokenArgs, @Ctx() ctx: Context): Promise<VerifyResultType> {
    const result = await ctx.services.verify.verifyFor(ctx.requireViewer(), args.token, {
      endpointId: args.endpointId ?? undefined,
      method: args.method ?? undefined,
    });
    return VerifyResultType.from(result);
  }
}
