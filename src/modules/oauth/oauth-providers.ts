import type { EntityManager } from '@mikro-orm/core';
import { whenUniqueViolated } from '../../core/db/unique';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';
import { assertPublicDestinationUrl, type OutboundPolicy } from '../../core/outbound';
import type { CoreDeps } from '../../deps';
import { isInsecure, isUsablePrivateKey, type ClientCredentials, type ProviderEndpoints } from './oauth.client';
import { OAuthFlow, OAuthProvider, OAuthToken, type AdditionalValue } from './oauth.entity';
import { OAuthErrors as Errors } from './oauth.errors';
import type { OAuthSealer } from './oauth-sealing';

export interface NewOAuthProvider {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  revocationUrl?: string | null;
  defaultConsumerKey: string;
  defaultConsumerSecret: string;
  privateKeyJwt?: { privateKeyPem: string; keyId: string; algorithm: string } | null;
}

export interface OAuthProviderChanges {
  name?: string | null;
  authorizeUrl?: string | null;
  tokenUrl?: string | null;
  revocationUrl?: string | null;
  defaultConsumerKey?: string | null;
  defaultConsumerSecret?: string | null;
  privateKeyJwt?: NewOAuthProvider['privateKeyJwt'];
  removePrivateKey?: boolean | null;
}

export interface NewOAuthToken {
  name: string;
  providerId: string;
  flow: OAuthFlow;
  useDefaultKeys: boolean;
  consumerKey?: string | null;
  secretKey?: string | null;
  username?: string | null;
  password?: string | null;
  resource?: string | null;
  scope?: string | null;
  additionalValues?: AdditionalValue[] | null;
}

/** What a new token's input must agree with its provider on (create and bundle import alike). */
export function checkNewToken(provider: Pick<OAuthProvider, 'privateKeyPemSealed'>, input: NewOAuthToken): void {
  if (provider.privateKeyPemSealed && input.flow !== OAuthFlow.CLIENT_CREDENTIALS) throw Errors.privateKeyOnlyClientCredentials('input.flow');
  if (!input.useDefaultKeys && (!input.consumerKey || !input.secretKey)) throw Errors.ownKeysRequired();
  if (input.flow === OAuthFlow.PASSWORD && (!input.username || !input.password)) throw Errors.passwordRequired();
}

/**
 * OAuth providers: their URLs (checked against the outbound rules), their client credentials
 * (sealed, and never following a URL change unless entered again), and how Tessera reaches them.
 */
export class OAuthProviders {
  constructor(
    private readonly deps: CoreDeps,
    private readonly sealer: OAuthSealer,
    /** Where provider calls may go, and the only way they are made (tests stub its resolver). */
    readonly outbound: OutboundPolicy,
  ) {}

  endpointsOf(provider: OAuthProvider): ProviderEndpoints {
    return { authorizeUrl: provider.authorizeUrl, tokenUrl: provider.tokenUrl, revocationUrl: provider.revocationUrl, via: this.outbound };
  }

  /** Every provider URL given, against the outbound rules (BAD_USER_INPUT on the first refused). */
  private async checkUrls(urls: { authorizeUrl?: string | null; tokenUrl?: string | null; revocationUrl?: string | null }): Promise<void> {
    for (const field of ['authorizeUrl', 'tokenUrl', 'revocationUrl'] as const) {
      const url = urls[field];
      if (url) await assertPublicDestinationUrl(url, `input.${field}`, this.outbound);
    }
  }

  /**
   * A provider's token and revocation URLs receive its client authentication (the secret, or an
   * assertion signed with its private key) and the tokens Tessera holds: pointing either
   * elsewhere needs the credentials entered again, and no token of the provider may hold
   * secrets then. The authorization URL only ever sees the client id, through the browser.
   */
  private async checkCredentialsFollow(em: EntityManager, provider: OAuthProvider, changes: OAuthProviderChanges): Promise<void> {
    const moved = [
      changes.tokenUrl && changes.tokenUrl !== provider.tokenUrl ? 'tokenUrl' : null,
      changes.revocationUrl && changes.revocationUrl !== provider.revocationUrl ? 'revocationUrl' : null,
    ].filter((field): field is string => field !== null);
    if (moved.length === 0) return;
    const keepsPrivateKey = !!provider.privateKeyPemSealed && !changes.removePrivateKey;
    const reentered = keepsPrivateKey ? !!changes.privateKeyJwt : !!changes.privateKeyJwt || !!changes.defaultConsumerSecret;
    if (!reentered) throw Errors.credentialsMustFollowUrl(`input.${moved[0]}`, keepsPrivateKey ? 'input.privateKeyJwt' : 'input.defaultConsumerSecret');
    const holding = await em.count(OAuthToken, {
      providerId: provider.id,
      $or: [
        { accessTokenSealed: { $ne: null } },
        { refreshTokenSealed: { $ne: null } },
        { consumerSecretSealed: { $ne: null } },
        { credentialsSealed: { $ne: null } },
      ],
    });
    if (holding > 0) throw Errors.tokensHoldSecretsForUrl(provider.id, `input.${moved[0]}`, holding);
  }

  credentialsOf(provider: OAuthProvider, token?: OAuthToken): ClientCredentials {
    if (provider.privateKeyPemSealed) {
      return {
        clientId: provider.defaultConsumerKey,
        privateKey: {
          pem: this.sealer.unseal(provider.id, 'privateKey', provider.privateKeyPemSealed),
          keyId: provider.privateKeyId ?? '',
          algorithm: provider.privateKeyAlgorithm ?? 'RS256',
        },
      };
    }
    if (token && !token.useDefaultKeys && token.consumerKey && token.consumerSecretSealed) {
      return { clientId: token.consumerKey, clientSecret: this.sealer.unseal(token.id, 'consumerSecret', token.consumerSecretSealed) };
    }
    return { clientId: provider.defaultConsumerKey, clientSecret: this.sealer.unseal(provider.id, 'consumerSecret', provider.defaultConsumerSecretSealed) };
  }

  private async checkPrivateKey(key: NewOAuthProvider['privateKeyJwt']): Promise<void> {
    if (key && !(await isUsablePrivateKey(key.privateKeyPem, key.algorithm))) throw Errors.unreadablePrivateKey();
  }

  sealPrivateKey(provider: OAuthProvider, key: NewOAuthProvider['privateKeyJwt']): void {
    provider.privateKeyPemSealed = key ? this.sealer.seal(provider.id, 'privateKey', key.privateKeyPem) : null;
    provider.privateKeyId = key?.keyId ?? null;
    provider.privateKeyAlgorithm = key?.algorithm ?? null;
  }

  /**
   * What creating a provider checks beyond its input's validators. Bundle import runs it on every
   * provider item too: a check added here holds for both ways a provider comes in.
   */
  async validate(input: NewOAuthProvider): Promise<void> {
    await this.checkUrls(input);
    await this.checkPrivateKey(input.privateKeyJwt);
  }

  async create(actor: Actor, input: NewOAuthProvider): Promise<OAuthProvider> {
    await this.validate(input);
    return this.deps.lifecycle
      .run(actor, async (tx) => {
        if (await tx.em.count(OAuthProvider, { tenantId: actor.tenantId, name: input.name })) throw Errors.providerNameTaken(input.name);
        const provider = this.build(tx, actor.tenantId, input);
        tx.audit('oauth_provider.created', { type: 'OAUTH_PROVIDER', id: provider.id, name: provider.name });
        return provider;
      })
      .catch(nameRace(input.name));
  }

  build(tx: Tx, tenantId: string, input: NewOAuthProvider): OAuthProvider {
    const id = newId('oap');
    const provider = tx.em.create(OAuthProvider, {
      id,
      tenantId,
      name: input.name,
      authorizeUrl: input.authorizeUrl,
      tokenUrl: input.tokenUrl,
      revocationUrl: input.revocationUrl || null,
      defaultConsumerKey: input.defaultConsumerKey,
      defaultConsumerSecretSealed: this.sealer.seal(id, 'consumerSecret', input.defaultConsumerSecret),
      createdAt: tx.now,
      updatedAt: tx.now,
    });
    this.sealPrivateKey(provider, input.privateKeyJwt);
    return provider;
  }

  async find(em: EntityManager, tenantId: string, id: string): Promise<OAuthProvider> {
    const provider = await em.findOne(OAuthProvider, { id, tenantId });
    if (!provider) throw Errors.providerNotFound(id);
    return provider;
  }

  async update(actor: Actor, id: string, changes: OAuthProviderChanges): Promise<OAuthProvider> {
    await this.checkUrls(changes);
    await this.checkPrivateKey(changes.privateKeyJwt);
    return this.deps.lifecycle
      .run(actor, async (tx) => {
        const provider = await this.find(tx.em, actor.tenantId, id);
        await this.checkCredentialsFollow(tx.em, provider, changes);
        if (changes.name && changes.name !== provider.name && (await tx.em.count(OAuthProvider, { tenantId: actor.tenantId, name: changes.name }))) {
          throw Errors.providerNameTaken(changes.name);
        }
        if (changes.privateKeyJwt && (await tx.em.count(OAuthToken, { providerId: id, flow: { $ne: OAuthFlow.CLIENT_CREDENTIALS } })))
          throw Errors.privateKeyWhileOtherFlows();
        if (changes.name) provider.name = changes.name;
        if (changes.authorizeUrl) provider.authorizeUrl = changes.authorizeUrl;
        if (changes.tokenUrl) provider.tokenUrl = changes.tokenUrl;
        if (changes.revocationUrl !== undefined && changes.revocationUrl !== null) provider.revocationUrl = changes.revocationUrl || null;
        if (changes.defaultConsumerKey) provider.defaultConsumerKey = changes.defaultConsumerKey;
        if (changes.defaultConsumerSecret) provider.defaultConsumerSecretSealed = this.sealer.seal(id, 'consumerSecret', changes.defaultConsumerSecret);
        if (changes.privateKeyJwt) this.sealPrivateKey(provider, changes.privateKeyJwt);
        else if (changes.removePrivateKey) this.sealPrivateKey(provider, null);
        provider.updatedAt = tx.now;
        tx.audit('oauth_provider.updated', { type: 'OAUTH_PROVIDER', id, name: provider.name });
        return provider;
      })
      .catch(nameRace(changes.name ?? ''));
  }

  async delete(actor: Actor, id: string): Promise<OAuthProvider> {
    return this.deps.lifecycle.run(actor, async (tx) => {
      const provider = await this.find(tx.em, actor.tenantId, id);
      const users = await tx.em.count(OAuthToken, { providerId: id });
      if (users > 0) throw Errors.providerInUse(id, users);
      tx.em.remove(provider);
      tx.audit('oauth_provider.deleted', { type: 'OAUTH_PROVIDER', id, name: provider.name });
      return provider;
    });
  }

  /** One provider of the actor's tenant; NOT_FOUND otherwise. */
  async get(actor: Actor, id: string): Promise<OAuthProvider> {
    return this.find(this.deps.orm.em.fork(), actor.tenantId, id);
  }

  async list(actor: Actor, request: PageRequest): Promise<Page<OAuthProvider>> {
    return paginate(this.deps.orm.em.fork(), OAuthProvider, { tenantId: actor.tenantId }, request);
  }

  /** Warnings for a request: a public URL without TLS, a provider reached over plain HTTP. */
  warningFor(provider: OAuthProvider): string | null {
    const warnings: string[] = [];
    if (!this.deps.config.publicUrl.startsWith('https:')) warnings.push(`PUBLIC_URL (${this.deps.config.publicUrl}) is not HTTPS: callbacks may not work.`);
    if (isInsecure(this.endpointsOf(provider))) warnings.push('The provider is reached over plain HTTP: tokens travel unencrypted.');
    return warnings.length ? warnings.join(' ') : null;
  }
}

/** Two requests racing for one provider name: the loser reads as CONFLICT, never as a database error. */
export function nameRace(name: string): (error: unknown) => never {
  return whenUniqueViolated(() => Errors.providerNameTaken(name));
}
