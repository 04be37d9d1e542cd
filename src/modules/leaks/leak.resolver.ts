import { IsOptional, Length, MaxLength } from 'class-validator';
import { Args, ArgsType, Authorized, Ctx, Field, ID, Mutation, ObjectType, Resolver } from 'type-graphql';
import { TokenKindEnum } from '../../core/graphql/enums';
import type { RequestContext } from '../../core/graphql/request-context';
import type { LeakService } from './leak.service';

/** What this file's resolvers use of the request (see RequestContext). */
type Context = RequestContext<{ leaks: LeakService }>;

@ObjectType('LeakReport', { description: 'What a leak report did. Details only for tokens of your own tenant.' })
export class LeakReportType {
  @Field(() => String, { description: 'The first characters of the reported value.' })
  start!: string;

  @Field(() => Boolean, { description: 'Whether the value is a Tessera token.' })
  recognised!: boolean;

  @Field(() => Boolean, { description: 'Whether this report revoked it (it stopped working at once, everywhere).' })
  revoked!: boolean;

  @Field(() => Boolean, { description: 'Whether it had already stopped working before the report.' })
  alreadyInactive!: boolean;

  @Field(() => ID, { nullable: true, description: 'The token id, if it is one of your tenant.' })
  tokenId!: string | null;

  @Field(() => TokenKindEnum, { nullable: true, description: 'Its kind, if it is one of your tenant.' })
  kind!: string | null;
}

@ArgsType()
class ReportLeakArgs {
  @Field(() => String, { description: 'The leaked value.' })
  @Length(1, 512)
  token!: string;

  @Field(() => String, { nullable: true, description: 'Where it was found (a URL), kept in the event and audit log.' })
  @IsOptional()
  @MaxLength(500)
  source?: string | null;
}

@Resolver()
export class LeakResolver {
  @Authorized()
  @Mutation(() => LeakReportType, {
    description: 'Reports a leaked value: a Tessera token is revoked at once and its owner notified by a REVOKED event with reason LEAKED.',
  })
  async reportLeakedToken(@Args(() => ReportLeakArgs) args: ReportLeakArgs, @Ctx() ctx: Context): Promise<LeakReportType> {
    const [outcome] = await ctx.services.leaks.report(ctx.actor(), [args.token], args.source);
    return Object.assign(new LeakReportType(), outcome);
  }
}
