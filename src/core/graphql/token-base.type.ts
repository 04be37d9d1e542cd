import { Field, ID, ObjectType } from 'type-graphql';
import { TokenKindEnum, TokenStatus, type TokenKind } from './enums';
import { tokenStatus, type WarningWindows } from '../tokens/token-status';
import { DAY } from '../clock';
import type { ListedToken } from '../tokens/token.entity';

/**
 * The fields every kind's token type shares, written once: each kind's GraphQL type extends
 * this and adds its own.
 */
@ObjectType({ description: 'Fields shared by every kind of token (not emitted on its own).', simpleResolvers: true })
export abstract class TokenFields {
  @Field(() => ID, { description: 'Token id, typed by kind (`pat_…`, `wft_…`).' })
  id!: string;

  @Field(() => TokenKindEnum, { description: 'The kind of token.' })
  kind!: TokenKind;

  @Field(() => String, { description: 'Display name.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Longer notes.' })
  description!: string | null;

  @Field(() => String, { description: 'The first characters of the current value, to recognise it; never the value.' })
  start!: string;

  @Field(() => TokenStatus, { description: 'ACTIVE, EXPIRING (inside the warning window), EXPIRED or REVOKED, as of this request.' })
  status!: TokenStatus;

  @Field(() => Date, { nullable: true, description: 'When it stops working on its own; null for never.' })
  expiresAt!: Date | null;

  @Field(() => Date, {
    nullable: true,
    description:
      'When it turns EXPIRING: its end less the warning window that fits its term (the largest warning threshold at most half the term, so no token is EXPIRING when its term begins); equal to `expiresAt` when none fits; null for no end.',
  })
  expiringAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it was revoked.' })
  revokedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When it last opened something (written in batches: up to a few seconds late).' })
  lastUsedAt!: Date | null;

  @Field(() => Date, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The user or app that created it.' })
  createdById!: string | null;
}

/** Copies the shared fields of a token record (only its {@link ListedToken} properties), with its status as of `now`. */
export function tokenFields(record: ListedToken, now: Date, windows: WarningWindows): TokenFields {
  return {
    id: record.id,
    kind: record.kind,
    name: record.name,
    description: record.description ?? null,
    start: record.start,
    status: tokenStatus(record, now, windows),
    expiresAt: record.expiresAt ?? null,
    expiringAt: record.expiringAt ?? (record.expiresAt ? new Date(record.expiresAt.getTime() - windows.windowDays(record.kind) * DAY) : null),
    revokedAt: record.revokedAt ?? null,
    lastUsedAt: record.lastUsedAt ?? null,
    createdAt: record.createdAt,
    createdById: record.createdById ?? null,
  };
}
