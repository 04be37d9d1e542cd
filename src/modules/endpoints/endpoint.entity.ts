import { Entity, Index, ManyToOne, OneToOne, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { TokenRecord } from '../../core/tokens/token.entity';

/** The HTTP methods an endpoint answers, each with its own primary token. */
export enum HttpMethod {
  GET = 'GET',
  POST = 'POST',
  DELETE = 'DELETE',
}

/** Whether an endpoint asks callers for a token. */
export enum EndpointAuthentication {
  NONE = 'NONE',
  TOKEN = 'TOKEN',
}

/** How an ingress call ended. */
export enum EndpointCallOutcome {
  ACCEPTED = 'ACCEPTED',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  BAD_BODY = 'BAD_BODY',
}

/** A place that receives data over HTTP at `/endpoints/{path}`. */
@Entity({ tableName: 'endpoints' })
@Unique({ properties: ['path'] })
export class Endpoint {
  [OptionalProps]?: 'allowDelete';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  name!: string;

  /** URL-safe segments joined by `/`, no leading slash. */
  @Property({ type: 'string' })
  path!: string;

  @Property({ type: 'string' })
  authentication!: EndpointAuthentication;

  @Property({ type: 'boolean' })
  allowDelete: boolean = false;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** Which method an endpoint's primary token opens: the token itself is a `TokenRecord`. */
@Entity({ tableName: 'endpoint_primary_tokens' })
@Unique({ properties: ['endpoint', 'method'] })
export class EndpointPrimaryToken {
  @OneToOne(() => TokenRecord, { primary: true, owner: true, deleteRule: 'cascade' })
  token!: TokenRecord;

  @ManyToOne(() => Endpoint, { deleteRule: 'cascade' })
  endpoint!: Endpoint;

  @Property({ type: 'string' })
  method!: HttpMethod;
}

/** A secondary token assigned to an endpoint for some methods, with its own switch. */
@Entity({ tableName: 'endpoint_assignments' })
@Unique({ properties: ['endpoint', 'token'] })
@Index({ properties: ['token'] })
export class Assignment {
  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @ManyToOne(() => Endpoint, { deleteRule: 'cascade' })
  endpoint!: Endpoint;

  /** The secondary token (`est_…`). */
  @ManyToOne(() => TokenRecord, { deleteRule: 'cascade' })
  token!: TokenRecord;

  @Property({ type: 'json' })
  methods!: HttpMethod[];

  @Property({ type: 'boolean' })
  enabled!: boolean;

  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime' })
  updatedAt!: Date;
}

/** One call that reached an endpoint, accepted or not: what the data viewer shows. */
@Entity({ tableName: 'endpoint_calls' })
@Index({ properties: ['endpointId', 'id'] })
@Index({ properties: ['endpointId', 'tokenId', 'id'] })
export class EndpointCall {
  [OptionalProps]?: 'tokenId' | 'tokenName' | 'reason' | 'body';

  @PrimaryKey({ type: 'string' })
  id!: string;

  @Property({ type: 'string' })
  tenantId!: string;

  @Property({ type: 'string' })
  endpointId!: string;

  @Property({ type: 'string' })
  method!: string;

  /** The token that was presented, when it is one Tessera knows (never its value). */
  @Property({ type: 'string', nullable: true })
  tokenId?: string | null;

  /** Its name at the time, so the record reads well after the token is gone. */
  @Property({ type: 'string', nullable: true })
  tokenName?: string | null;

  @Property({ type: 'string' })
  outcome!: EndpointCallOutcome;

  /** Why it was refused (a verification reason such as NOT_ASSIGNED, or MISSING_TOKEN). */
  @Property({ type: 'string', nullable: true })
  reason?: string | null;

  @Property({ type: 'integer' })
  statusCode!: number;

  /** Bytes of the request body (as declared when it was refused for size). */
  @Property({ type: 'integer' })
  payloadSize!: number;

  /** The POSTed JSON, for accepted calls. */
  @Property({ type: 'json', nullable: true })
  body?: unknown;

  @Property({ type: 'datetime' })
  receivedAt!: Date;
}

declare module '../../core/ids' {
  /** The ids this module makes. */
  interface IdPrefixes {
    end: 'an endpoint';
    asg: 'an assignment of a secondary token to an endpoint';
    ecl: 'a call recorded at an endpoint';
    ept: 'an endpoint primary token';
    est: 'a secondary endpoint token';
  }
}
