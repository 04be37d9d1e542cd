import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsOptional, Length, Matches } from 'class-validator';
import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../../core/graphql/connection';
import { IsDescription, IsDisplayName } from '../../core/graphql/validation';
import { EndpointAuthentication, EndpointCallOutcome, HttpMethod } from './endpoint.entity';

registerEnumType(HttpMethod, {
  name: 'HttpMethod',
  description: 'An HTTP method an endpoint answers.',
  valuesConfig: {
    GET: { description: 'Read.' },
    POST: { description: 'Send data (a JSON body, kept).' },
    DELETE: { description: 'Delete; only while the endpoint allows deleting.' },
  },
});

registerEnumType(EndpointAuthentication, {
  name: 'EndpointAuthentication',
  description: "An endpoint's security setting.",
  valuesConfig: {
    NONE: { description: 'Any call is accepted, without a token.' },
    TOKEN: { description: "Calls need the method's primary token or an assigned secondary token." },
  },
});

registerEnumType(EndpointCallOutcome, {
  name: 'EndpointCallOutcome',
  description: 'How a call to an endpoint ended.',
  valuesConfig: {
    ACCEPTED: { description: 'Accepted (200).' },
    UNAUTHENTICATED: { description: 'No token, or one Tessera does not know (401).' },
    FORBIDDEN: { description: 'A known token that may not call this endpoint with this method (403).' },
    METHOD_NOT_ALLOWED: { description: 'DELETE while the endpoint does not allow deleting (405).' },
    PAYLOAD_TOO_LARGE: { description: 'The body was over the size cap (413).' },
    BAD_BODY: { description: 'The POSTed body was not JSON (400).' },
  },
});

/** URL-safe segments (RFC 3986 unreserved characters) joined by single slashes; no `.` or `..` segment. */
export const PATH_PATTERN = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const PATH_MESSAGE = 'must be URL-safe segments (letters, digits, . _ ~ -) separated by single slashes, without a leading slash or `.`/`..` segments';

@InputType({ description: 'A new endpoint.' })
export class CreateEndpointInput {
  @Field(() => String, { description: 'Display name, 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => String, {
    description:
      'Where it receives: `/endpoints/{path}`. URL-safe segments, unique across the installation (ingress URLs carry no tenant), up to 200 characters.',
  })
  @Length(1, 200)
  @Matches(PATH_PATTERN, { message: PATH_MESSAGE })
  path!: string;

  @Field(() => EndpointAuthentication, { defaultValue: EndpointAuthentication.TOKEN, description: 'NONE or TOKEN (the default).' })
  authentication: EndpointAuthentication = EndpointAuthentication.TOKEN;

  @Field(() => Boolean, { defaultValue: false, description: 'Whether DELETE is answered (and, with TOKEN, has a primary token).' })
  allowDelete: boolean = false;
}

@InputType({ description: 'Changes to an endpoint; fields left out stay as they are.' })
export class UpdateEndpointInput {
  @Field(() => String, { nullable: true, description: 'New display name.' })
  @IsOptional()
  @IsDisplayName()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New path (unique across the installation).' })
  @IsOptional()
  @Length(1, 200)
  @Matches(PATH_PATTERN, { message: PATH_MESSAGE })
  path?: string | null;

  @Field(() => EndpointAuthentication, { nullable: true, description: 'Switching to TOKEN creates the primary tokens; to NONE deletes them.' })
  @IsOptional()
  authentication?: EndpointAuthentication | null;

  @Field(() => Boolean, { nullable: true, description: 'Turning it off deletes the DELETE primary token; on creates it (with TOKEN).' })
  @IsOptional()
  allowDelete?: boolean | null;
}

@InputType({ description: 'A new secondary endpoint token.' })
export class CreateEndpointTokenInput {
  @Field(() => String, { description: 'What the token is for (typically the application using it), 1 to 100 characters.' })
  @IsDisplayName()
  name!: string;

  @Field(() => String, { nullable: true, description: 'Longer notes, up to 1000 characters.' })
  @IsDescription()
  description?: string | null;

  @Field(() => Boolean, { defaultValue: true, description: 'Whether it works from the start (true by default).' })
  enabled: boolean = true;
}

@InputType({ description: "Changes to a secondary endpoint token's settings; fields left out stay as they are." })
export class UpdateEndpointTokenInput {
  @Field(() => String, { nullable: true, description: 'New name, 1 to 100 characters.' })
  @IsOptional()
  @IsDisplayName()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'New description, up to 1000 characters; an empty string clears it.' })
  @IsDescription()
  description?: string | null;
}

@InputType({ description: 'Assigns a secondary token to an endpoint for some methods.' })
export class AssignEndpointTokenInput {
  @Field(() => ID, { description: 'The endpoint (`end_…`).' })
  @Length(1, 80)
  endpointId!: string;

  @Field(() => ID, { description: 'The secondary token (`est_…`).' })
  @Length(1, 80)
  tokenId!: string;

  @Field(() => [HttpMethod], { description: 'The methods it may call, one or more, each once.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @ArrayUnique()
  methods!: HttpMethod[];
}

@ArgsType()
export class EndpointTokensArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'true (default): active tokens; false: inactive ones; null: all.' })
  active?: boolean | null = true;
}

@ArgsType()
export class EndpointTokenStatesArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Only tokens assigned to this endpoint.' })
  hideUnassigned?: boolean | null = false;
}

@ArgsType()
export class EndpointDataArgs extends PageArgs {
  @Field(() => ID, { description: 'The endpoint whose calls to list.' })
  endpointId!: string;

  @Field(() => ID, { nullable: true, description: 'Only calls made with this token (primary or secondary).' })
  @IsOptional()
  tokenId?: string | null;

  @Field(() => HttpMethod, { nullable: true, description: 'Only calls with this method.' })
  @IsOptional()
  method?: HttpMethod | null;

  @Field(() => Date, { nullable: true, description: 'Only calls received at or after this time.' })
  @IsOptional()
  from?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Only calls received before this time.' })
  @IsOptional()
  to?: Date | null;
}
