import { IsIn, IsISO8601, IsOptional, Length, MaxLength } from 'class-validator';
import { AppError } from '../../core/errors';
import { validateInput } from '../../core/graphql/validate';
import { OAuthFlow, OAuthTokenStatus, type AdditionalValue } from './oauth.entity';
import { AdditionalValueInput, CreateOAuthProviderInput, CreateOAuthTokenInput, PrivateKeyJwtInput } from './oauth.inputs';

/**
 * Checks on an opened bundle, item by item. A bundle is as untrusted as any request: whoever holds
 * a passphrase can seal any JSON. Each item is built into the very input class its create
 * mutation takes (CreateOAuthProviderInput, CreateOAuthTokenInput, nested inputs too) and checked
 * by class-validator as type-graphql checks that mutation's argument, with the same
 * `extensions.field` (`input.name`); GraphQL's own coercion (String, enum values) is repeated here.
 * The service then runs the create path's own checks (`validateProvider`, `validateNew`).
 */

/** At most this many providers and tokens together in one bundle; a larger one is refused whole. */
export const MAX_BUNDLE_ITEMS = 1000;
/** The sealed bundle's largest length: the HTTP body limit (1 MB); graphql-ws would take far more. */
export const MAX_BUNDLE_CHARS = 1_000_000;
/** Items written per transaction; between two, other requests run. */
export const IMPORT_BATCH_SIZE = 20;

/** Statuses a bundle may carry: export never writes REQUESTED (it has no pending browser request to go with it). */
const IMPORTABLE_STATUSES = [OAuthTokenStatus.ACTIVE, OAuthTokenStatus.FAILED, OAuthTokenStatus.EXPIRED, OAuthTokenStatus.REVOKED];

/** What an exported token carries beyond its create input: the provider's last answer. */
export class ImportedTokenState {
  @IsIn(IMPORTABLE_STATUSES)
  status!: OAuthTokenStatus;

  @IsOptional()
  @Length(1, 20000)
  accessToken?: string | null;

  @IsOptional()
  @Length(1, 20000)
  refreshToken?: string | null;

  @IsOptional()
  @MaxLength(200)
  tokenType?: string | null;

  @IsOptional()
  @MaxLength(2000)
  grantedScope?: string | null;

  @IsOptional()
  @MaxLength(2000)
  providerError?: string | null;

  @IsOptional()
  @IsISO8601({ strict: true })
  expiresAt?: string | null;
}

/** A provider item, checked: its create input and the id tokens of the bundle refer to it by. */
export interface CheckedProvider {
  sourceId: string;
  input: CreateOAuthProviderInput;
}

/** A token item, checked: its create input (providerId is the bundle's provider id) and its state. */
export interface CheckedToken {
  input: CreateOAuthTokenInput;
  state: ImportedTokenState;
}

type Raw = Record<string, unknown>;

function isObject(value: unknown): value is Raw {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** An own property only: never one inherited, so `__proto__` or `constructor` keys are plain data. */
function own(raw: Raw, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(raw, key) ? raw[key] : undefined;
}

/** Plain assignment of the listed keys onto a new instance (no class-transformer; nothing else is copied). */
function build<T extends object>(target: T, raw: Raw, keys: string[]): T {
  for (const key of keys) {
    const value = own(raw, key);
    if (value !== undefined) (target as Raw)[key] = value;
  }
  return target;
}

/** What GraphQL's coercion refuses before any validator runs: a non-string for a String or ID. */
function requireString(raw: Raw, key: string, field: string, optional: boolean): void {
  const value = own(raw, key);
  if (optional && (value === undefined || value === null)) return;
  if (typeof value !== 'string') throw AppError.badInput(field, `${field}: must be a string.`);
}

function requireEnum(value: unknown, values: string[], enumName: string, field: string): void {
  if (typeof value !== 'string' || !values.includes(value))
    throw AppError.badInput(field, `${field}: must be one of the ${enumName} values (${values.join(', ')}).`);
}

/** Its name, for the per-item result: a string cut to 200 characters, whatever the item holds. */
export function displayName(raw: unknown): string {
  const name = isObject(raw) ? own(raw, 'name') : undefined;
  if (typeof name !== 'string') return '';
  return name.length > 200 ? `${name.slice(0, 200)}…` : name;
}

const PROVIDER_KEYS = ['name', 'authorizeUrl', 'tokenUrl', 'revocationUrl', 'defaultConsumerKey', 'defaultConsumerSecret'];

/** A provider item as createOAuthProvider's input, checked as that mutation checks it; throws BAD_USER_INPUT. */
export async function checkProviderItem(raw: unknown): Promise<CheckedProvider> {
  if (!isObject(raw)) throw AppError.badInput('input', 'The item is not an object.');
  requireString(raw, 'id', 'input.id', false);
  for (const key of PROVIDER_KEYS) requireString(raw, key, `input.${key}`, key === 'revocationUrl');
  const input = build(new CreateOAuthProviderInput(), raw, PROVIDER_KEYS);
  const key = own(raw, 'privateKeyJwt');
  if (isObject(key)) {
    for (const name of ['privateKeyPem', 'keyId', 'algorithm']) requireString(key, name, `input.privateKeyJwt.${name}`, false);
    input.privateKeyJwt = build(new PrivateKeyJwtInput(), key, ['privateKeyPem', 'keyId', 'algorithm']);
  } else if (key !== undefined && key !== null) {
    throw AppError.badInput('input.privateKeyJwt', 'input.privateKeyJwt: must be an object.');
  }
  await validateInput(input, 'input');
  return { sourceId: own(raw, 'id') as string, input };
}

const TOKEN_KEYS = ['name', 'providerId', 'flow', 'useDefaultKeys', 'consumerKey', 'resource', 'scope'];

/** A token item as createOAuthToken's input plus its exported state, checked; throws BAD_USER_INPUT. */
export async function checkTokenItem(raw: unknown): Promise<CheckedToken> {
  if (!isObject(raw)) throw AppError.badInput('input', 'The item is not an object.');
  for (const key of ['name', 'providerId']) requireString(raw, key, `input.${key}`, false);
  for (const key of ['consumerKey', 'consumerSecret', 'resource', 'scope'])
    requireString(raw, key, `input.${key === 'consumerSecret' ? 'secretKey' : key}`, true);
  requireEnum(own(raw, 'flow'), Object.values(OAuthFlow), 'OAuthFlow', 'input.flow');
  const input = build(new CreateOAuthTokenInput(), raw, TOKEN_KEYS);
  const secretKey = own(raw, 'consumerSecret');
  if (secretKey !== undefined) input.secretKey = secretKey as string | null;
  const credentials = own(raw, 'credentials');
  if (credentials !== undefined && credentials !== null) {
    const pair = parseCredentials(credentials);
    // Whatever they hold: the input's validators refuse anything but strings of the right length.
    input.username = pair.username as string;
    input.password = pair.password as string;
  }
  const values = own(raw, 'additionalValues');
  if (Array.isArray(values)) {
    input.additionalValues = values.map((value) =>
      isObject(value) ? build(new AdditionalValueInput(), value, ['name', 'value']) : value,
    ) as AdditionalValueInput[];
  } else if (values !== undefined && values !== null) {
    input.additionalValues = values as never;
  }
  await validateInput(input, 'input');
  requireEnum(own(raw, 'status'), IMPORTABLE_STATUSES, 'OAuthTokenStatus', 'input.status');
  for (const key of ['accessToken', 'refreshToken', 'tokenType', 'grantedScope', 'providerError', 'expiresAt']) requireString(raw, key, `input.${key}`, true);
  const state = build(new ImportedTokenState(), raw, ['status', 'accessToken', 'refreshToken', 'tokenType', 'grantedScope', 'providerError', 'expiresAt']);
  await validateInput(state, 'input');
  return { input, state };
}

/** The sealed `{ username, password }` of a PASSWORD token, as exported. */
function parseCredentials(credentials: unknown): { username: unknown; password: unknown } {
  let parsed: unknown;
  try {
    parsed = typeof credentials === 'string' ? JSON.parse(credentials) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) throw AppError.badInput('input.username', 'input.username: the credentials are not a username and password.');
  return { username: own(parsed, 'username'), password: own(parsed, 'password') };
}

/** Additional values as stored: only their name and value. */
export function additionalValuesOf(input: CreateOAuthTokenInput): AdditionalValue[] {
  return (input.additionalValues ?? []).map((value) => ({ name: value.name, value: value.value }));
}
