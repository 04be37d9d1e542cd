import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/core';
import { DAY } from '../../src/core/clock';
import { Tx } from '../../src/core/events/outbox';
import { SecretBox } from '../../src/core/secrets';
import type { TokenKind } from '../../src/core/tokens/token-kind';
import { TokenRecord } from '../../src/core/tokens/token.entity';
import { TokenStore } from '../../src/core/tokens/token-store';
// The kinds as the modules declare them (an app access token opts out of expiry notices).
import { kindDefinitions } from '../../src/modules';
import { KindRegistry } from '../../src/core/tokens/kind-registry';

/**
 * TokenStore is the one writer of token fields, so a kind's rules hold whichever way a token
 * changes. `unrevoke` scheduled expiry notices directly and skipped a kind's
 * `expiryNotices: false` (issue 18), and a first term set after issue had no notices at all.
 */
describe('TokenStore keeps a kind’s notice rules on every path', () => {
  const now = new Date('2026-12-05T00:00:00Z');
  const kinds = new KindRegistry(kindDefinitions, 30);
  const store = new TokenStore(new SecretBox(randomBytes(32)), [30, 7, 1], kinds);
  const tx = () => new Tx({} as EntityManager, { type: 'system', id: null, name: 'test', tenantId: 'ten_test', role: null }, now, kinds);
  const token = (kind: TokenKind): TokenRecord =>
    Object.assign(new TokenRecord(), {
      id: 'tok_test',
      tenantId: 'ten_test',
      kind,
      name: 't',
      start: '',
      revokedAt: now,
      expiresAt: new Date(now.getTime() + 2 * DAY),
      nextNoticeAt: null,
      noticedThresholdDays: null,
      createdAt: now,
      updatedAt: now,
    });

  it('should schedule no notice when a kind that opted out is un-revoked', () => {
    const accessToken = token('APP_ACCESS');
    store.unrevoke(tx(), accessToken);
    expect(accessToken.revokedAt).toBeNull();
    expect(accessToken.nextNoticeAt).toBeNull();
  });

  it('should schedule notices when a kind that keeps them is un-revoked', () => {
    const secondary = token('ENDPOINT_SECONDARY');
    store.unrevoke(tx(), secondary);
    expect(secondary.nextNoticeAt).not.toBeNull();
  });

  it('should schedule notices for a first term set after issue', () => {
    const oauth = token('OAUTH');
    oauth.revokedAt = null;
    oauth.expiresAt = null;
    store.startTerm(tx(), oauth, new Date(now.getTime() + 3600_000));
    expect(oauth.nextNoticeAt?.toISOString()).toBe(new Date(now.getTime() + 3600_000).toISOString());
  });
});
