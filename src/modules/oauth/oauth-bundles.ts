import { OAuthKind } from './oauth.kinds';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import { ErrorCode, isAppError } from '../../core/errors';
import type { Tx } from '../../core/events/outbox';

import { TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { openBundle, sealBundle } from './oauth-bundle';
import {
  IMPORT_BATCH_SIZE,
  MAX_BUNDLE_CHARS,
  MAX_BUNDLE_ITEMS,
  additionalValuesOf,
  checkProviderItem,
  checkTokenItem,
  displayName,
  type CheckedProvider,
  type CheckedToken,
} from './oauth-bundle.validate';
import { OAuthFlow, OAuthProvider, OAuthToken, OAuthTokenStatus, type AdditionalValue } from './oauth.entity';
import { OAuthErrors as Errors } from './oauth.errors';
import { ImportConflict } from './oauth.inputs';
import { checkNewToken, type NewOAuthProvider, type OAuthProviders } from './oauth-providers';
import type { OAuthSealer } from './oauth-sealing';
import { ImportOutcome } from './oauth.type';

/**
 * Moving every provider and token between installations: one passphrase-sealed bundle out
 * (administrators signed in as people only), and in, item by item, each checked as its create
 * mutation checks its input, in batches that let other requests through.
 */
export class OAuthBundles {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sealer: OAuthSealer,
    private readonly providers: OAuthProviders,
  ) {}

  async export(actor: Actor, passphrase: string): Promise<{ bundle: string; providerCount: number; tokenCount: number }> {
    if (passphrase.length < 12 || passphrase.length > 1000) throw Errors.weakPassphrase();
    const em = this.deps.orm.em.fork();
    const providers = await em.find(OAuthProvider, { tenantId: actor.tenantId }, { orderBy: { id: 'asc' } });
    const tokens = await em.find(OAuthToken, { tenantId: actor.tenantId }, { orderBy: { id: 'asc' } });
    const records = new Map(
      (await em.find(TokenRecord, { id: { $in: tokens.map((token) => token.id) }, revokedAt: null })).map((record) => [record.id, record]),
    );
    const open = (id: string, field: string, sealed?: string | null) => (sealed ? this.sealer.unseal(id, field, sealed) : null);
    const content: BundleContent = {
      providers: providers.map((provider) => ({
        id: provider.id,
        name: provider.name,
        authorizeUrl: provider.authorizeUrl,
        tokenUrl: provider.tokenUrl,
        revocationUrl: provider.revocationUrl ?? null,
        defaultConsumerKey: provider.defaultConsumerKey,
        defaultConsumerSecret: this.sealer.unseal(provider.id, 'consumerSecret', provider.defaultConsumerSecretSealed),
        privateKeyJwt: provider.privateKeyPemSealed
          ? {
              privateKeyPem: this.sealer.unseal(provider.id, 'privateKey', provider.privateKeyPemSealed),
              keyId: provider.privateKeyId ?? '',
              algorithm: provider.privateKeyAlgorithm ?? '',
            }
          : null,
      })),
      tokens: tokens.flatMap((token) => {
        const record = records.get(token.id);
        if (!record) return [];
        return [
          {
            name: record.name,
            providerId: token.providerId,
            flow: token.flow,
            status: token.status === OAuthTokenStatus.REQUESTED ? OAuthTokenStatus.FAILED : token.status,
            useDefaultKeys: token.useDefaultKeys,
            consumerKey: token.consumerKey ?? null,
            consumerSecret: open(token.id, 'consumerSecret', token.consumerSecretSealed),
            credentials: open(token.id, 'credentials', token.credentialsSealed),
            resource: token.resource ?? null,
            scope: token.scope ?? null,
            additionalValues: token.additionalValues ?? [],
            accessToken: open(token.id, 'accessToken', token.accessTokenSealed),
            refreshToken: open(token.id, 'refreshToken', token.refreshTokenSealed),
            tokenType: token.tokenType ?? null,
            grantedScope: token.grantedScope ?? null,
            providerError: token.providerError ?? null,
            expiresAt: record.expiresAt ? record.expiresAt.toISOString() : null,
          },
        ];
      }),
    };
    const bundle = await sealBundle(content, passphrase);
    await this.deps.lifecycle.run(actor, async (tx) => {
      tx.audit('oauth.bundle_exported', { type: 'OAUTH_BUNDLE' }, { providers: content.providers.length, tokens: content.tokens.length });
    });
    return { bundle, providerCount: content.providers.length, tokenCount: content.tokens.length };
  }

  /**
   * Imports a bundle. Refused whole, writing nothing, when it cannot be opened, is longer than
   * MAX_BUNDLE_CHARS or holds more than MAX_BUNDLE_ITEMS items. Every item is checked as its create
   * mutation checks its input (the same input class, then the service's own checks); one that fails
   * is reported INVALID with that error and nothing of it is written, while the others are
   * imported. Writes go IMPORT_BATCH_SIZE items per transaction, yielding to other requests between
   * two, so a large bundle never holds the database (nor the event-order lock) for long.
   */
  async import(actor: Actor, bundle: string, passphrase: string, onConflict: ImportConflict): Promise<ImportedItem[]> {
    if (bundle.length > MAX_BUNDLE_CHARS) throw Errors.bundleTooLarge(MAX_BUNDLE_CHARS);
    if (passphrase.length > 1000) throw Errors.badBundle();
    const content = (await openBundle(bundle, passphrase)) as { providers?: unknown; tokens?: unknown } | null;
    if (!content || typeof content !== 'object' || !Array.isArray(content.providers) || !Array.isArray(content.tokens)) throw Errors.badBundle();
    const sources = { providers: content.providers as unknown[], tokens: content.tokens as unknown[] };
    const count = sources.providers.length + sources.tokens.length;
    if (count > MAX_BUNDLE_ITEMS) throw Errors.tooManyBundleItems(count, MAX_BUNDLE_ITEMS);

    const items: ImportedItem[] = [];
    /** Bundle provider id → the provider its tokens go to here. */
    const targets = new Map<string, ImportTarget>();
    for (const batch of chunks(sources.providers, IMPORT_BATCH_SIZE)) {
      const checked = await Promise.all(batch.map((raw) => this.checkImportedProvider(raw)));
      const done = await this.importBatch(actor, 'provider', checked, onConflict, (tx, item) => this.importProvider(tx, actor, item, onConflict));
      for (const result of done) {
        items.push(result.item);
        if (result.target) targets.set(result.target.sourceId, result.target);
      }
      await yieldToOthers();
    }
    for (const batch of chunks(sources.tokens, IMPORT_BATCH_SIZE)) {
      const checked = await Promise.all(
        batch.map((raw) =>
          checkTokenItem(raw).then(
            (token) => ({ raw, token }),
            (error: unknown) => ({ raw, error }),
          ),
        ),
      );
      const done = await this.importBatch(actor, 'token', checked, onConflict, (tx, item) => this.importToken(tx, actor, item, onConflict, targets));
      items.push(...done.map((result) => result.item));
      await yieldToOthers();
    }
    return items;
  }

  /** A provider item checked as createProvider checks its input: the input class, then {@link validateProvider}. */
  private async checkImportedProvider(raw: unknown): Promise<{ raw: unknown; provider?: CheckedProvider; error?: unknown }> {
    try {
      const provider = await checkProviderItem(raw);
      await this.providers.validate(provider.input);
      return { raw, provider };
    } catch (error) {
      return { raw, error };
    }
  }

  /**
   * Writes one batch in one transaction. Should it fail on a name another request took meanwhile,
   * its items are written again one transaction each, so only the item that collided is refused.
   */
  private async importBatch<T extends { raw: unknown; error?: unknown }>(
    actor: Actor,
    type: ImportedItem['type'],
    batch: T[],
    onConflict: ImportConflict,
    write: (tx: Tx, item: T) => Promise<ImportResult>,
  ): Promise<ImportResult[]> {
    const run = (part: T[]) =>
      this.deps.lifecycle.run(actor, async (tx) => {
        const results: ImportResult[] = [];
        for (const item of part) {
          // Every check runs before the item's first write: a refusal leaves nothing of it.
          const result =
            item.error !== undefined
              ? invalidItem(type, item.raw, item.error)
              : await write(tx, item).catch((error: unknown) => rethrowUnlessRefusal(error, type, item.raw));
          // Written now, so the next item of the batch sees its name.
          await tx.em.flush();
          results.push(result);
        }
        const written = results.filter((result) => result.item.outcome !== ImportOutcome.INVALID && result.item.outcome !== ImportOutcome.SKIPPED).length;
        // One entry per batch, refused items counted: an import of nothing but invalid items is audited too.
        tx.audit(
          'oauth.bundle_imported',
          { type: 'OAUTH_BUNDLE' },
          { onConflict, items: results.length, written, invalid: results.filter((result) => result.item.outcome === ImportOutcome.INVALID).length },
        );
        return results;
      });
    try {
      return await run(batch);
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException) || batch.length === 1) {
        if (error instanceof UniqueConstraintViolationException) return [invalidItem(type, batch[0].raw, Errors.importNameTaken(displayName(batch[0].raw)))];
        throw error;
      }
      const results: ImportResult[] = [];
      for (const item of batch) results.push(...(await this.importBatch(actor, type, [item], onConflict, write)));
      return results;
    }
  }

  private async importProvider(tx: Tx, actor: Actor, item: { raw: unknown; provider?: CheckedProvider }, onConflict: ImportConflict): Promise<ImportResult> {
    const { sourceId, input } = item.provider as CheckedProvider;
    const name = input.name;
    const existing = await tx.em.findOne(OAuthProvider, { tenantId: actor.tenantId, name });
    const taken = !!existing;
    if (existing && onConflict === ImportConflict.SKIP) {
      return {
        item: { type: 'provider', name, importedName: name, outcome: ImportOutcome.SKIPPED, id: null },
        target: { sourceId, id: existing.id, privateKey: !!existing.privateKeyPemSealed },
      };
    }
    if (existing && onConflict === ImportConflict.REPLACE) {
      // As updateProvider: a private key only on a provider whose tokens all use CLIENT_CREDENTIALS.
      if (input.privateKeyJwt && (await tx.em.count(OAuthToken, { providerId: existing.id, flow: { $ne: OAuthFlow.CLIENT_CREDENTIALS } })))
        throw Errors.privateKeyWhileOtherFlows();
      Object.assign(existing, {
        authorizeUrl: input.authorizeUrl,
        tokenUrl: input.tokenUrl,
        revocationUrl: input.revocationUrl || null,
        defaultConsumerKey: input.defaultConsumerKey,
        updatedAt: tx.now,
      });
      existing.defaultConsumerSecretSealed = this.sealer.seal(existing.id, 'consumerSecret', input.defaultConsumerSecret);
      this.providers.sealPrivateKey(existing, input.privateKeyJwt);
      tx.audit('oauth_provider.updated', { type: 'OAUTH_PROVIDER', id: existing.id, name });
      return {
        item: { type: 'provider', name, importedName: name, outcome: ImportOutcome.REPLACED, id: existing.id },
        target: { sourceId, id: existing.id, privateKey: !!input.privateKeyJwt },
      };
    }
    const importedName = taken ? freeName(name, await this.providerNames(tx, actor.tenantId)) : name;
    const created = this.providers.build(tx, actor.tenantId, { ...input, name: importedName });
    tx.audit('oauth_provider.created', { type: 'OAUTH_PROVIDER', id: created.id, name: importedName });
    return {
      item: { type: 'provider', name, importedName, outcome: taken ? ImportOutcome.RENAMED : ImportOutcome.CREATED, id: created.id },
      target: { sourceId, id: created.id, privateKey: !!input.privateKeyJwt },
    };
  }

  private async providerNames(tx: Tx, tenantId: string): Promise<Set<string>> {
    return new Set((await tx.em.find(OAuthProvider, { tenantId }, { fields: ['name'] })).map((row) => row.name));
  }

  private async importToken(
    tx: Tx,
    actor: Actor,
    item: { raw: unknown; token?: CheckedToken },
    onConflict: ImportConflict,
    targets: Map<string, ImportTarget>,
  ): Promise<ImportResult> {
    const { input, state } = item.token as CheckedToken;
    const target = targets.get(input.providerId);
    if (!target) throw Errors.importedProviderMissing();
    // createToken's own checks, against the provider the token goes to here.
    checkNewToken({ privateKeyPemSealed: target.privateKey ? 'held' : null }, input);
    const existing = await tx.em.findOne(TokenRecord, { tenantId: actor.tenantId, kind: OAuthKind.OAUTH, name: input.name });
    const taken = !!existing;
    if (taken && onConflict === ImportConflict.SKIP)
      return { item: { type: 'token', name: input.name, importedName: input.name, outcome: ImportOutcome.SKIPPED, id: null } };
    if (existing && onConflict === ImportConflict.REPLACE) {
      await tx.em.nativeDelete(OAuthToken, { id: existing.id });
      await this.deps.tokens.delete(tx, existing);
    }
    const rename = taken && onConflict === ImportConflict.RENAME;
    const name = rename ? freeName(input.name, await this.tokenNames(tx, actor.tenantId)) : input.name;
    const expiresAt = state.expiresAt ? new Date(state.expiresAt) : null;
    const { token: record } = await this.deps.tokens.issue(tx, {
      kind: OAuthKind.OAUTH,
      tenantId: actor.tenantId,
      name,
      ownerId: actor.id,
      subjectType: 'provider',
      subjectId: target.id,
      expiresAt,
      external: true,
    });
    // The record first: the OAuth row refers to it.
    await tx.em.flush();
    const seal = (field: string, value: string | null | undefined) => (value ? this.sealer.seal(record.id, field, value) : null);
    const ownKeys = !input.useDefaultKeys;
    tx.em.create(OAuthToken, {
      id: record.id,
      tenantId: actor.tenantId,
      providerId: target.id,
      flow: input.flow,
      status: state.status,
      useDefaultKeys: input.useDefaultKeys,
      consumerKey: ownKeys ? input.consumerKey : null,
      consumerSecretSealed: ownKeys ? seal('consumerSecret', input.secretKey) : null,
      credentialsSealed: input.flow === OAuthFlow.PASSWORD ? seal('credentials', JSON.stringify({ username: input.username, password: input.password })) : null,
      resource: input.resource ?? null,
      scope: input.scope ?? null,
      additionalValues: additionalValuesOf(input),
      accessTokenSealed: seal('accessToken', state.accessToken),
      refreshTokenSealed: seal('refreshToken', state.refreshToken),
      tokenType: state.tokenType ?? null,
      grantedScope: state.grantedScope ?? null,
      providerError: state.providerError ?? null,
      nextRefreshAt:
        state.status === OAuthTokenStatus.ACTIVE && expiresAt
          ? new Date(Math.max(tx.now.getTime(), expiresAt.getTime() - this.deps.config.oauthRefreshLeadMs))
          : null,
      refreshFailures: 0,
      createdAt: tx.now,
      updatedAt: tx.now,
    });
    const outcome = !taken ? ImportOutcome.CREATED : rename ? ImportOutcome.RENAMED : ImportOutcome.REPLACED;
    return { item: { type: 'token', name: input.name, importedName: name, outcome, id: record.id } };
  }

  private async tokenNames(tx: Tx, tenantId: string): Promise<Set<string>> {
    return new Set((await tx.em.find(TokenRecord, { tenantId, kind: OAuthKind.OAUTH }, { fields: ['name'] })).map((row) => row.name));
  }
}

/** Where an imported provider's tokens go: a provider here, and whether it signs with a private key. */
interface ImportTarget {
  sourceId: string;
  id: string;
  privateKey: boolean;
}

interface ImportResult {
  item: ImportedItem;
  target?: ImportTarget;
}

/** An item refused by a check: reported with the error its create mutation would answer. */
function invalidItem(type: ImportedItem['type'], raw: unknown, error: unknown): ImportResult {
  const problem = isAppError(error)
    ? { code: error.code, field: error.field ?? null, message: error.message }
    : { code: ErrorCode.BAD_USER_INPUT, field: null, message: 'The item cannot be read.' };
  const name = displayName(raw);
  return { item: { type, name, importedName: name, outcome: ImportOutcome.INVALID, id: null, problem } };
}

/** A refusal (AppError) thrown before the item wrote anything becomes its INVALID result; anything else fails the batch. */
function rethrowUnlessRefusal(error: unknown, type: ImportedItem['type'], raw: unknown): ImportResult {
  if (isAppError(error)) return invalidItem(type, raw, error);
  throw error;
}

function chunks<T>(list: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/** Lets every request that arrived meanwhile run before the next batch. */
function yieldToOthers(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a bundle holds, in clear once opened. */
interface BundleContent {
  providers: (NewOAuthProvider & { id: string })[];
  tokens: {
    name: string;
    providerId: string;
    flow: OAuthFlow;
    status: OAuthTokenStatus;
    useDefaultKeys: boolean;
    consumerKey: string | null;
    consumerSecret: string | null;
    credentials: string | null;
    resource: string | null;
    scope: string | null;
    additionalValues: AdditionalValue[];
    accessToken: string | null;
    refreshToken: string | null;
    tokenType: string | null;
    grantedScope: string | null;
    providerError: string | null;
    expiresAt: string | null;
  }[];
}

export interface ImportedItem {
  type: 'provider' | 'token';
  name: string;
  importedName: string;
  outcome: ImportOutcome;
  id: string | null;
  problem?: { code: string; field: string | null; message: string } | null;
}

/** `name (2)`, `name (3)`, … whichever is free first; the name is cut so the result keeps to 100 characters, as names must. */
function freeName(name: string, taken: Set<string>): string {
  for (let n = 2; ; n += 1) {
    const suffix = ` (${n})`;
    let base = name.slice(0, 100 - suffix.length);
    if (/[\ud800-\udbff]$/.test(base)) base = base.slice(0, -1);
    const candidate = `${base.trimEnd()}${suffix}`;
    if (!taken.has(candidate)) return candidate;
  }
}
