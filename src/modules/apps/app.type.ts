import type { WarningWindows } from '../../core/tokens/token-status';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenFields, tokenFields } from '../../core/graphql/token-base.type';
import { Role } from '../../core/graphql/enums';
import { AppStatus } from './app.entity';
import type { AppView } from './app.service';
import { Node } from '../../core/graphql/node';

@ObjectType('AppClientSecret', { implements: Node, description: "An app's client secret as it may be shown in lists: never the value." })
export class AppClientSecretType extends TokenFields {}

@ObjectType('App', {
  implements: Node,
  description:
    'A machine client. It exchanges its client id and secret at `POST /oauth/token` (OAuth 2.0 client credentials) for short-lived access tokens. ' +
    "An access token acts for the app across its whole tenant with the app's `role`, capped by its creator's current role: an administrator's " +
    'AUTOMATION_ADMIN app reaches every workflow, instance and token of the tenant. No app token manages apps or users or exports OAuth bundles. ' +
    'Disabling or deleting the app makes its access tokens fail at once.',
})
export class AppType {
  @Field(() => ID, { description: 'App id (`app_…`); also the subject and owner of its tokens, so notice filters by app id work.' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'What the app is for.' })
  description!: string | null;

  @Field(() => String, { description: 'The public client identifier (`tca_…`) sent with the secret to `/oauth/token`.' })
  clientId!: string;

  @Field(() => AppStatus, { description: 'ACTIVE or DISABLED.' })
  status!: AppStatus;

  @Field(() => Int, { description: 'How long its access tokens live, in seconds.' })
  accessTokenLifetimeSeconds!: number;

  @Field(() => Role, {
    description:
      "What its access tokens act as, chosen at creation (never ADMIN, never above the creator's role). At each authentication the creator's " +
      'current role caps it again, so demoting the creator demotes the app at once; an app whose creator is gone does not authenticate.',
  })
  role!: Role;

  @Field(() => AppClientSecretType, { nullable: true, description: 'Its current client secret (display fields only).' })
  clientSecret!: AppClientSecretType | null;

  @Field(() => ID, { nullable: true, description: 'The user who created it.' })
  createdById!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'When its secret or one of its access tokens was last used (written in batches: up to a few seconds late).',
  })
  lastUsedAt!: Date | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  static from(view: AppView, now: Date, windows: WarningWindows): AppType {
    const { app, secret, lastUsedAt } = view;
    return Object.assign(new AppType(), {
      id: app.id,
      name: app.name,
      description: app.description ?? null,
      clientId: app.clientId,
      status: app.status,
      accessTokenLifetimeSeconds: app.accessTokenLifetimeSeconds,
      role: app.role,
      clientSecret: secret ? Object.assign(new AppClientSecretType(), tokenFields(secret, now, windows)) : null,
      createdById: app.createdById ?? null,
      lastUsedAt,
      createdAt: app.createdAt,
      updatedAt: app.updatedAt,
    });
  }
}

export const AppConnection = ConnectionType(AppType, 'App', 'app');

@ObjectType('CreateAppPayload', { description: 'The new app and its client secret.' })
export class CreateAppPayload {
  @Field(() => AppType, { description: 'The new app.' })
  app!: AppType;

  @Field(() => String, {
    description: 'The client secret. Shown once here; administrators and the developer who created the app can reveal it again (audited).',
  })
  secret!: string;
}

@ObjectType('RotateAppSecretPayload', { description: 'The app and its new client secret.' })
export class RotateAppSecretPayload {
  @Field(() => AppType, { description: 'The app.' })
  app!: AppType;

  @Field(() => String, { description: 'The new client secret. Shown once here; administrators can reveal it again (audited).' })
  secret!: string;

  @Field(() => Date, { nullable: true, description: 'Until when the previous secret keeps working; null when it stopped at once.' })
  previousSecretValidUntil!: Date | null;
}
