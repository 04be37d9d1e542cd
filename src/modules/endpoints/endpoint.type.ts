import type { WarningWindows } from '../../core/tokens/token-status';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ConnectionType } from '../../core/graphql/connection';
import { TokenFields, tokenFields } from '../../core/graphql/token-base.type';
import type { TokenRecord } from '../../core/tokens/token.entity';
import { EndpointAuthentication, EndpointCallOutcome, HttpMethod, type Assignment, type Endpoint, type EndpointCall } from './endpoint.entity';
import type { PrimaryTokenView } from './endpoint.service';
import { Node } from '../../core/graphql/node';

@ObjectType('Endpoint', { implements: Node, description: 'A place that receives data over HTTP at `/endpoints/{path}`.' })
export class EndpointType {
  @Field(() => ID, { description: 'Endpoint id (`end_…`).' })
  id!: string;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { description: 'The path under `/endpoints/`, unique in the tenant.' })
  path!: string;

  @Field(() => String, { description: 'The full URL callers use.' })
  url!: string;

  @Field(() => EndpointAuthentication, { description: 'NONE (any call) or TOKEN.' })
  authentication!: EndpointAuthentication;

  @Field(() => Boolean, { description: 'Whether DELETE is answered.' })
  allowDelete!: boolean;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  static from(endpoint: Endpoint, publicUrl: string): EndpointType {
    return Object.assign(new EndpointType(), {
      id: endpoint.id,
      name: endpoint.name,
      path: endpoint.path,
      url: `${publicUrl}/endpoints/${endpoint.path}`,
      authentication: endpoint.authentication,
      allowDelete: endpoint.allowDelete,
      createdAt: endpoint.createdAt,
      updatedAt: endpoint.updatedAt,
    });
  }
}

export const EndpointConnection = ConnectionType(EndpointType, 'Endpoint', 'endpoint');

@ObjectType('EndpointPrimaryToken', { implements: Node, description: "An endpoint's primary token for one method." })
export class EndpointPrimaryTokenType {
  @Field(() => ID, { description: 'Token id (`ept_…`).' })
  id!: string;

  @Field(() => HttpMethod, { description: 'The method it opens.' })
  method!: HttpMethod;

  @Field(() => String, { nullable: true, description: 'The value: for administrators only (null for other roles).' })
  secret!: string | null;

  @Field(() => String, { description: 'The first characters of the value, to recognise it.' })
  start!: string;

  @Field(() => Date, { description: 'When the current value was made.' })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When it last opened the endpoint (written in batches).' })
  lastUsedAt!: Date | null;

  static from(view: PrimaryTokenView): EndpointPrimaryTokenType {
    return Object.assign(new EndpointPrimaryTokenType(), {
      id: view.tokenId,
      method: view.method,
      secret: view.secret,
      start: view.start,
      createdAt: view.createdAt,
      lastUsedAt: view.lastUsedAt,
    });
  }
}

@ObjectType('EndpointToken', {
  implements: Node,
  description: 'A secondary endpoint token: 64 random alphanumerics, revealable to administrators, assigned to endpoints.',
})
export class EndpointTokenType extends TokenFields {
  @Field(() => Boolean, { description: 'The enabled toggle: a disabled token opens nothing.' })
  enabled!: boolean;

  @Field(() => Boolean, { description: 'Active or inactive (deactivated: revoked until activated again).' })
  active!: boolean;

  static from(record: TokenRecord, now: Date, windows: WarningWindows): EndpointTokenType {
    return Object.assign(new EndpointTokenType(), tokenFields(record, now, windows), { enabled: !record.disabledAt, active: !record.revokedAt });
  }
}

export const EndpointTokenConnection = ConnectionType(EndpointTokenType, 'EndpointToken', 'endpoint token');

@ObjectType('Assignment', { description: 'A secondary token assigned to an endpoint for some methods, with its own enabled toggle.' })
export class AssignmentType {
  @Field(() => ID, { description: 'Assignment id (`asg_…`).' })
  id!: string;

  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: string;

  @Field(() => ID, { description: 'The secondary token.' })
  tokenId!: string;

  @Field(() => [HttpMethod], { description: 'The methods the token may call on the endpoint.' })
  methods!: HttpMethod[];

  @Field(() => Boolean, { description: 'Switching it off cuts this one integration, nothing else.' })
  enabled!: boolean;

  @Field(() => Date, { description: 'When it was made.' })
  createdAt!: Date;

  @Field(() => Date, { description: 'When it last changed.' })
  updatedAt!: Date;

  static from(assignment: Assignment): AssignmentType {
    return Object.assign(new AssignmentType(), {
      id: assignment.id,
      endpointId: assignment.endpoint.id,
      tokenId: assignment.token.id,
      methods: assignment.methods,
      enabled: assignment.enabled,
      createdAt: assignment.createdAt,
      updatedAt: assignment.updatedAt,
    });
  }
}

@ObjectType('EndpointTokenState', { description: "A secondary token as one endpoint's token tab shows it." })
export class EndpointTokenStateType {
  @Field(() => EndpointTokenType, { description: 'The token.' })
  token!: EndpointTokenType;

  @Field(() => AssignmentType, { nullable: true, description: 'Its assignment to this endpoint; null when unassigned.' })
  assignment!: AssignmentType | null;

  @Field(() => Boolean, { description: 'Whether it is assigned to this endpoint.' })
  assigned!: boolean;
}

export const EndpointTokenStateConnection = ConnectionType(EndpointTokenStateType, 'EndpointTokenState', 'endpoint token state');

@ObjectType('EndpointCall', { description: 'One call that reached an endpoint, accepted or not.' })
export class EndpointCallType {
  @Field(() => ID, { description: 'Call id (`ecl_…`).' })
  id!: string;

  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: string;

  @Field(() => String, { description: 'The HTTP method used.' })
  method!: string;

  @Field(() => ID, { nullable: true, description: 'The token presented, when Tessera knows it.' })
  tokenId!: string | null;

  @Field(() => String, { nullable: true, description: "That token's name at the time (never its value)." })
  tokenName!: string | null;

  @Field(() => EndpointCallOutcome, { description: 'How the call ended.' })
  outcome!: EndpointCallOutcome;

  @Field(() => String, { nullable: true, description: 'Why it was refused (NOT_ASSIGNED, WRONG_METHOD, DISABLED, MISSING_TOKEN, …).' })
  reason!: string | null;

  @Field(() => Int, { description: 'The HTTP status answered.' })
  statusCode!: number;

  @Field(() => Int, { description: 'Size of the request body in bytes.' })
  payloadSize!: number;

  @Field(() => GraphQLJSON, { nullable: true, description: 'The POSTed JSON of an accepted call.' })
  body!: unknown;

  @Field(() => Date, { description: 'When it was received.' })
  receivedAt!: Date;

  static from(call: EndpointCall): EndpointCallType {
    return Object.assign(new EndpointCallType(), {
      id: call.id,
      endpointId: call.endpointId,
      method: call.method,
      tokenId: call.tokenId ?? null,
      tokenName: call.tokenName ?? null,
      outcome: call.outcome,
      reason: call.reason ?? null,
      statusCode: call.statusCode,
      payloadSize: call.payloadSize,
      body: call.body ?? null,
      receivedAt: call.receivedAt,
    });
  }
}

export const EndpointCallConnection = ConnectionType(EndpointCallType, 'EndpointCall', 'endpoint call');

@ObjectType('CreateEndpointPayload', { description: 'The new endpoint (its primary tokens are on it).' })
export class CreateEndpointPayload {
  @Field(() => EndpointType, { description: 'The new endpoint.' })
  endpoint!: EndpointType;
}

@ObjectType('CreateEndpointTokenPayload', { description: 'The new secondary token and its value.' })
export class CreateEndpointTokenPayload {
  @Field(() => EndpointTokenType, { description: 'The new token.' })
  endpointToken!: EndpointTokenType;

  @Field(() => String, { description: 'The value: 64 alphanumerics (administrators can reveal it again).' })
  secret!: string;
}

@ObjectType('EndpointTokenSecretPayload', { description: 'A secondary token with its current value (revealed or regenerated).' })
export class EndpointTokenSecretPayload {
  @Field(() => EndpointTokenType, { description: 'The token.' })
  endpointToken!: EndpointTokenType;

  @Field(() => String, { description: 'Its current value.' })
  secret!: string;
}

@ObjectType('AssignEndpointTokenPayload', { description: 'The new assignment.' })
export class AssignEndpointTokenPayload {
  @Field(() => AssignmentType, { description: 'The new assignment.' })
  assignment!: AssignmentType;
}
