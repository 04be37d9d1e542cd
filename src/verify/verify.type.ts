import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { TokenKindEnum, type TokenKind } from '../core/graphql/enums';
import { VerifyReason, type VerifyResult } from './verify.types';

registerEnumType(VerifyReason, {
  name: 'VerifyReason',
  description: 'Why a presented value was refused.',
  valuesConfig: {
    UNKNOWN: { description: 'No such token (in your tenant).' },
    MALFORMED: { description: 'Not a well-formed value: a Tessera prefix with a wrong checksum, or an impossible length. Rejected without a lookup.' },
    EXPIRED: { description: 'Its lifetime (or the grace of a replaced value) has ended.' },
    REVOKED: { description: 'It was revoked (or deactivated).' },
    DISABLED: { description: 'It, what it belongs to (an app), or its assignment to this endpoint is switched off.' },
    NOT_ASSIGNED: { description: 'An endpoint token presented at an endpoint it is not assigned to.' },
    WRONG_METHOD: { description: 'Valid, but not for this HTTP method here.' },
  },
});

@ObjectType('VerifyResult', { description: 'Whether a token is good here, and if so whose it is. Never the value.' })
export class VerifyResultType {
  @Field(() => Boolean, { description: 'Whether the token may be accepted here, now.' })
  valid!: boolean;

  @Field(() => TokenKindEnum, { nullable: true, description: 'The kind of token, when known.' })
  kind!: TokenKind | null;

  @Field(() => ID, { nullable: true, description: 'The token id, when known.' })
  tokenId!: string | null;

  @Field(() => ID, { nullable: true, description: 'The user or app the token belongs to.' })
  ownerId!: string | null;

  @Field(() => ID, { nullable: true, description: 'Its tenant (always yours).' })
  tenantId!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it stops working on its own.' })
  expiresAt!: Date | null;

  @Field(() => VerifyReason, { nullable: true, description: 'Why not, when not valid.' })
  reason!: VerifyReason | null;

  static from(result: VerifyResult): VerifyResultType {
    const token = result.token;
    return Object.assign(new VerifyResultType(), {
      valid: result.valid,
      kind: token?.kind ?? null,
      tokenId: token?.tokenId ?? null,
      ownerId: token?.ownerId ?? null,
      tenantId: token?.tenantId ?? null,
      expiresAt: token?.expiresAt ? new Date(token.expiresAt) : null,
      reason: result.reason,
    });
  }
}
