import { IsOptional, Max, Min } from 'class-validator';
import { ArgsType, Field, ID, InputType, Int, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { IsDescription, IsDisplayName } from '../../core/graphql/validation';
import { Role } from '../../core/graphql/enums';
import { AppStatus } from './app.entity';

registerEnumType(AppStatus, {
  name: 'AppStatus',
  description: 'Whether an app may obtain and use access tokens.',
  valuesConfig: {
    ACTIVE: { description: 'It obtains access tokens and they work.' },
    DISABLED: { description: 'Switched off: its access tokens fail at once and it gets no new ones until activated.' },
  },
});

/** Bounds of an access token's lifetime: one minute to one day. */
export const MIN_ACCESS_TOKEN_LIFETIME_SECONDS = 60;
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 86_400;
/** The longest overlap of an old and a new secret after a rotation: 7 days. */
export const MAX_ROTATION_GRACE_SECONDS = 7 * 86_400;

@InputType({ description: 'A new app.' })
export class CreateAppInput {
  @Field(() => String, { description: 'Display name, 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the app is for, up to 1000 characters.' })
  @IsDescription()
  description?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: `How long its access tokens live, in seconds: ${MIN_ACCESS_TOKEN_LIFETIME_SECONDS} to ${MAX_ACCESS_TOKEN_LIFETIME_SECONDS}; one hour (3600) by default.`,
  })
  @IsOptional()
  @Min(MIN_ACCESS_TOKEN_LIFETIME_SECONDS)
  @Max(MAX_ACCESS_TOKEN_LIFETIME_SECONDS)
  accessTokenLifetimeSeconds?: number | null;

  @Field(() => Role, {
    nullable: true,
    description:
      'What its access tokens act as: AUTOMATION_ADMIN, DEVELOPER or MEMBER, never ADMIN and never above your own role ' +
      '(an administrator may give AUTOMATION_ADMIN, a developer DEVELOPER). By default the highest you may give. ' +
      'A higher one is refused with BAD_USER_INPUT (field `input.role`) and creates nothing.',
  })
  @IsOptional()
  role?: Role | null;
}

@InputType({ description: 'Which apps to list.' })
export class AppFilter {
  @Field(() => AppStatus, { nullable: true, description: 'Only apps in this state.' })
  @IsOptional()
  status?: AppStatus | null;
}

@ArgsType()
export class AppsArgs extends PageArgs {
  @Field(() => AppFilter, { nullable: true, description: 'Narrows the list.' })
  @IsOptional()
  filter?: AppFilter | null;
}

@ArgsType()
export class RotateAppSecretArgs {
  @Field(() => ID, { description: 'The app.' })
  id!: string;

  @Field(() => Int, {
    defaultValue: 0,
    description: `How long the previous secret keeps working, in seconds (0 to ${MAX_ROTATION_GRACE_SECONDS}); 0 stops it at once.`,
  })
  @Min(0)
  @Max(MAX_ROTATION_GRACE_SECONDS)
  graceSeconds: number = 0;
}
