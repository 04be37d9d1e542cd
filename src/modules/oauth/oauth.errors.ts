import { AppError } from '../../core/errors';

export const OAuthErrors = {
  providerNotFound: (id: string) => AppError.notFound('OAuth provider', id),
  tokenNotFound: (id: string) => AppError.notFound('OAuth token', id),
  providerNameTaken: (name: string) => AppError.conflict(`An OAuth provider named ${JSON.stringify(name)} already exists.`, 'NAME_TAKEN'),
  providerInUse: (id: string, count: number) =>
    AppError.conflict(`OAuth provider ${JSON.stringify(id)} is used by ${count} token(s): delete them first.`, 'PROVIDER_IN_USE'),
  privateKeyOnlyClientCredentials: (field: string) =>
    AppError.badInput(field, 'A provider with a private key (private_key_jwt) allows only the CLIENT_CREDENTIALS flow.'),
  privateKeyWhileOtherFlows: () =>
    AppError.badInput(
      'input.privateKeyJwt',
      'Tokens of this provider use flows other than CLIENT_CREDENTIALS; a provider with a private key allows only CLIENT_CREDENTIALS.',
    ),
  unreadablePrivateKey: () => AppError.badInput('input.privateKeyJwt.privateKeyPem', 'The private key is not a PEM private key of the chosen algorithm.'),
  ownKeysRequired: () => AppError.badInput('input.consumerKey', 'Without useDefaultKeys, consumerKey and secretKey are required.'),
  passwordRequired: () => AppError.badInput('input.username', 'The PASSWORD flow needs username and password.'),
  notForFlow: (what: string, flow: string) => AppError.badInput('id', `${what} is not available for ${flow} tokens.`),
  useStartTokenRequest: (id: string) =>
    AppError.conflict(
      `OAuth token ${JSON.stringify(id)} is obtained through the browser: call startTokenRequest for a fresh authorization link.`,
      'USE_START_TOKEN_REQUEST',
    ),
  notFailed: (id: string) => AppError.conflict(`OAuth token ${JSON.stringify(id)} has not failed: nothing to retry.`, 'NOT_FAILED'),
  noAccessToken: (id: string, status: string) =>
    AppError.conflict(`OAuth token ${JSON.stringify(id)} holds no usable access token (it is ${status}).`, 'NO_ACCESS_TOKEN'),
  revoked: (id: string) => AppError.conflict(`OAuth token ${JSON.stringify(id)} is revoked.`, 'REVOKED'),
  revocationRefused: (message: string) =>
    AppError.conflict(`The provider refused to revoke the token or could not be reached (${message}); Tessera changed nothing.`, 'REVOCATION_REFUSED'),
  changedWhileDeleting: (id: string) =>
    AppError.conflict(
      `OAuth token ${JSON.stringify(id)} was refreshed while its grant was being revoked, so it holds a grant that was not: nothing was deleted. Delete it again.`,
      'CHANGED_WHILE_DELETING',
    ),
  credentialsMustFollowUrl: (urlField: string, secretField: string) =>
    AppError.badInput(
      secretField,
      `A new ${urlField} needs the provider's credentials again in the same update (${secretField}): stored secrets never follow a URL change.`,
    ),
  tokensHoldSecretsForUrl: (id: string, urlField: string, count: number) =>
    AppError.conflict(
      `OAuth provider ${JSON.stringify(id)} has ${count} token(s) holding secrets (access or refresh tokens, own client secrets, passwords) that would go to the new ${urlField}: delete them first (revoking them at the current provider), or create a new provider.`,
      'TOKENS_HOLD_SECRETS',
    ),
  badName: () => AppError.badInput('name', 'name must be 1 to 100 characters, not starting or ending with white space, without control characters.'),
  weakPassphrase: () => AppError.badInput('passphrase', 'The passphrase must be 12 to 1000 characters.'),
  bundleTooLarge: (max: number) =>
    AppError.badInput('bundle', `The bundle is longer than ${max.toLocaleString('en')} characters, the most one import takes. Nothing was imported.`),
  tooManyBundleItems: (count: number, max: number) =>
    AppError.badInput(
      'bundle',
      `The bundle holds ${count.toLocaleString('en')} providers and tokens; one import takes at most ${max.toLocaleString('en')}. Nothing was imported.`,
    ),
  importedProviderMissing: () => AppError.badInput('input.providerId', 'Its provider is not in the bundle or was not imported.'),
  importNameTaken: (name: string) =>
    AppError.conflict(`The name ${JSON.stringify(name)} was taken while the bundle was being imported; import it again.`, 'NAME_TAKEN'),
  badBundle: () =>
    AppError.badInput('bundle', 'The bundle cannot be opened: wrong passphrase, or the bundle was altered or is not an OAuth bundle. Nothing was imported.'),
};
