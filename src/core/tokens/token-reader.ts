import type { MikroORM } from '@mikro-orm/core';
import type { TokenKind } from './token-kind';
import { TokenRecord } from './token.entity';

/** Reads single token records by id, kind and tenant (for `node(id:)` and events' current tokens). */
export class TokenReader {
  constructor(private readonly orm: MikroORM) {}

  /** The token `id` if it is of `kind` and of `tenantId`'s tenant; null otherwise (the two read alike). */
  async find(tenantId: string, kind: TokenKind, id: string): Promise<TokenRecord | null> {
    return this.orm.em.fork().findOne(TokenRecord, { id, kind, tenantId });
  }
}
