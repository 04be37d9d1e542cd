import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';
import { TokenEventType } from '../../src/core/events/event.entity';
import { TokenRecord } from '../../src/core/tokens/token.entity';
import { NoticeService } from '../../src/notices/notice.service';
import type { CoreDeps } from '../../src/deps';
import { BACKENDS, eventually, startTessera, type GraphQLResponse, type TestInstance } from '../harness/tessera';
import { bola, principalsOf, post, type Principal, type PrincipalName } from './security.helpers';

/**
 * Who may call what: ONE table, operation → the principals allowed. Every query, mutation and
 * subscription of schema/schema.graphql must be in it, so a new operation fails this suite
 * until someone decides who may call it. Derived from the resolvers' `@Authorized` and the
 * services' own checks (a PAT belongs to a user: an app cannot make one).
 *
 * APP is an access token of an administrator's app (it acts with the AUTOMATION_ADMIN role);
 * DEV_APP one of a developer's app (DEVELOPER). App tokens never manage apps, never make
 * personal access tokens and never export OAuth bundles, whatever their role. An ADMIN of another
 * tenant is expected to be treated as ADMIN here (made-up ids) and to get NOT_FOUND on every
 * record of this tenant (the BOLA tests below).
 */
const EVERYONE: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'DEVELOPER', 'MEMBER', 'APP', 'DEV_APP'];
const USERS: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'DEVELOPER', 'MEMBER'];
const ADMIN: PrincipalName[] = ['ADMIN'];
/** People only: an app token of a DEVELOPER app is refused too. */
const APP_MANAGERS: PrincipalName[] = ['ADMIN', 'DEVELOPER'];
const WORKFLOW_MANAGERS: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'APP'];
const ENDPOINT_READERS: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'DEVELOPER', 'APP', 'DEV_APP'];
const VERIFIERS: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'DEVELOPER', 'APP', 'DEV_APP'];
/** Outbound OAuth: administrators and automation administrators (and apps, which act as the latter) — flows read values. */
const OAUTH_MANAGERS: PrincipalName[] = ['ADMIN', 'AUTOMATION_ADMIN', 'APP'];

export const ACCESS: Record<string, PrincipalName[]> = {
  // queries
  viewer: EVERYONE,
  tokenEvents: EVERYONE,
  personalAccessTokens: EVERYONE,
  tenantPersonalAccessTokens: ADMIN,
  tokenPolicy: EVERYONE,
  verifyToken: VERIFIERS,
  auditLog: ADMIN,
  users: ADMIN,
  webhookEndpoints: ADMIN,
  webhookEndpoint: ADMIN,
  webhookDeliveries: ADMIN,
  app: APP_MANAGERS,
  apps: APP_MANAGERS,
  workflow: WORKFLOW_MANAGERS,
  workflows: WORKFLOW_MANAGERS,
  workflowTokens: WORKFLOW_MANAGERS,
  workflowInstances: WORKFLOW_MANAGERS,
  endpoint: ENDPOINT_READERS,
  endpoints: ENDPOINT_READERS,
  endpointTokens: ENDPOINT_READERS,
  endpointData: ADMIN,
  oauthProviders: OAUTH_MANAGERS,
  oauthTokens: OAUTH_MANAGERS,
  oauthAccessToken: OAUTH_MANAGERS,
  oauthCallbackUrl: OAUTH_MANAGERS,
  /** Anyone signed in; what each may read is each type's own rule (relay-node.test.ts holds them). */
  node: EVERYONE,
  nodes: EVERYONE,
  // mutations
  createUser: ADMIN,
  updateTokenPolicy: ADMIN,
  rotatePersonalAccessToken: EVERYONE,
  updateUser: ADMIN,
  createWebhookEndpoint: ADMIN,
  updateWebhookEndpoint: ADMIN,
  deleteWebhookEndpoint: ADMIN,
  rotateWebhookSecret: ADMIN,
  redeliverWebhook: ADMIN,
  deactivateUser: ADMIN,
  reactivateUser: ADMIN,
  deleteUser: ADMIN,
  createOAuthProvider: OAUTH_MANAGERS,
  updateOAuthProvider: OAUTH_MANAGERS,
  deleteOAuthProvider: OAUTH_MANAGERS,
  createOAuthToken: OAUTH_MANAGERS,
  retryOAuthTokenRequest: OAUTH_MANAGERS,
  startTokenRequest: OAUTH_MANAGERS,
  refreshOAuthToken: OAUTH_MANAGERS,
  renameOAuthToken: OAUTH_MANAGERS,
  deleteOAuthToken: OAUTH_MANAGERS,
  resetClientCredentialsToken: OAUTH_MANAGERS,
  /** Every provider secret at once: administrators signed in as people only. */
  exportOAuthBundle: ADMIN,
  importOAuthBundle: OAUTH_MANAGERS,
  createPersonalAccessToken: USERS,
  revokePersonalAccessToken: EVERYONE,
  deletePersonalAccessToken: EVERYONE,
  reportLeakedToken: EVERYONE,
  createApp: APP_MANAGERS,
  disableApp: APP_MANAGERS,
  activateApp: APP_MANAGERS,
  deleteApp: APP_MANAGERS,
  rotateAppSecret: APP_MANAGERS,
  revealAppSecret: APP_MANAGERS,
  publishWorkflow: WORKFLOW_MANAGERS,
  refreshWorkflowToken: WORKFLOW_MANAGERS,
  revokeWorkflowToken: WORKFLOW_MANAGERS,
  regenerateWorkflowToken: WORKFLOW_MANAGERS,
  deleteWorkflowToken: WORKFLOW_MANAGERS,
  createEndpoint: ADMIN,
  updateEndpoint: ADMIN,
  generatePrimaryToken: ADMIN,
  createEndpointToken: ADMIN,
  revealEndpointToken: ADMIN,
  regenerateEndpointToken: ADMIN,
  setEndpointTokenEnabled: ADMIN,
  updateEndpointToken: ADMIN,
  deactivateEndpointToken: ADMIN,
  activateEndpointToken: ADMIN,
  assignEndpointToken: ADMIN,
  setAssignmentEnabled: ADMIN,
  unassignEndpointToken: ADMIN,
  // subscriptions
  'subscription tokenEvents': EVERYONE,
  'subscription expiryNotices': EVERYONE,
  'subscription revocationNotices': EVERYONE,
};

const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));
type Kind = 'query' | 'mutation' | 'subscription';
type Operation = { kind: Kind; key: string; field: GraphQLField<unknown, unknown> };

const operations: Operation[] = (['query', 'mutation', 'subscription'] as const).flatMap((kind) => {
  const type = kind === 'query' ? schema.getQueryType() : kind === 'mutation' ? schema.getMutationType() : schema.getSubscriptionType();
  return Object.values(type?.getFields() ?? {}).map((field) => ({ kind, key: kind === 'subscription' ? `subscription ${field.name}` : field.name, field }));
});

let unique = 0;
/** A type-correct value for a required argument, so only authorization decides the outcome. */
function sample(type: GraphQLInputType, name: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name);
  if (isListType(type)) return [sample(type.ofType, name)];
  if (isEnumType(type)) return type.getValues()[0].name;
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields()).filter((field) => isNonNullType(field.type) && field.defaultValue === undefined);
    return Object.fromEntries(fields.map((field) => [field.name, sample(field.type, field.name)]));
  }
  unique += 1;
  switch (isScalarType(type) ? type.name : '') {
    case 'ID':
      return `nope_${unique}000000000000000000`;
    case 'Int':
      return name === 'graceSeconds' ? 0 : 1;
    case 'Boolean':
      return true;
    case 'DateTimeISO':
      return new Date(Date.now() + 86_400_000).toISOString();
    case 'JSONObject':
      return {};
    default:
      if (name === 'email') return `matrix${unique}-${Math.random().toString(36).slice(2)}@example.com`;
      if (name === 'path') return `matrix/p${unique}${Math.random().toString(36).slice(2, 8)}`;
      return `matrix ${unique}`;
  }
}

export function documentFor(kind: Kind, field: GraphQLField<unknown, unknown>): string {
  const required = field.args.filter((arg) => isNonNullType(arg.type));
  const variables = required.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passing = required.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = getNamedType(field.type);
  const selection = isScalarType(named) || isEnumType(named) ? '' : ' { __typename }';
  return `${kind} M${variables ? `(${variables})` : ''} { ${field.name}${passing ? `(${passing})` : ''}${selection} }`;
}

function variablesFor(field: GraphQLField<unknown, unknown>): Record<string, unknown> {
  return Object.fromEntries(field.args.filter((arg) => isNonNullType(arg.type)).map((arg) => [arg.name, sample(arg.type, arg.name)]));
}

const codes = (response: GraphQLResponse<unknown>): string[] => (response.errors ?? []).map((error) => String(error.extensions?.code));

describe('the access table', () => {
  it('should name every operation of the schema, and nothing else', () => {
    const missing = operations.filter((operation) => !(operation.key in ACCESS)).map((operation) => operation.key);
    expect(missing.length ? `add it to the table: ${missing.join(', ')}` : 'complete').toBe('complete');
    const stale = Object.keys(ACCESS).filter((key) => !operations.some((operation) => operation.key === key));
    expect(stale).toEqual([]);
  });
});

describe.each(BACKENDS)('access control on %s', (backend) => {
  let tessera: TestInstance;
  let principals: Principal[];

  beforeAll(async () => {
    tessera = await startTessera({ backend });
    principals = await principalsOf(tessera);
  });

  afterAll(async () => {
    await tessera.close();
  });

  const queriesAndMutations = operations.filter((operation) => operation.kind !== 'subscription');

  it.each(queriesAndMutations.map((operation) => [operation.key, operation] as const))('%s answers each caller as the table says', async (key, operation) => {
    const allowed = ACCESS[key] ?? [];
    const document = documentFor(operation.kind, operation.field);
    const outcomes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const principal of [{ name: 'ANONYMOUS', token: null, tokenId: '' } as Principal, ...principals]) {
      const response = await post(tessera, document, variablesFor(operation.field), principal.token);
      const got = codes(response);
      const role = principal.name === 'OTHER_TENANT_ADMIN' ? 'ADMIN' : principal.name;
      if (principal.name === 'ANONYMOUS') {
        expected[principal.name] = 'UNAUTHENTICATED';
        outcomes[principal.name] = got.join(',') || 'data';
      } else if (allowed.includes(role as PrincipalName)) {
        expected[principal.name] = 'allowed';
        outcomes[principal.name] = got.some((code) => ['UNAUTHENTICATED', 'FORBIDDEN', 'INTERNAL_SERVER_ERROR'].includes(code)) ? got.join(',') : 'allowed';
      } else {
        expected[principal.name] = 'FORBIDDEN';
        outcomes[principal.name] = got.join(',') || 'data';
      }
    }
    expect(outcomes).toEqual(expected);
  });

  /**
   * Scopes narrow a token below its owner's role, at every root field (issue 19): an
   * administrator's tokens with one scope each. Any token may ask who it is and rotate itself;
   * READ reads (queries, subscriptions); VERIFY only verifies; START_WORKFLOWS reaches no
   * GraphQL operation (its route is REST); WRITE is the whole role.
   */
  const SCOPED: Record<string, (operation: Operation) => boolean> = {
    WRITE: () => true,
    READ: (operation) => operation.kind !== 'mutation' || operation.key === 'rotatePersonalAccessToken',
    VERIFY: (operation) => ['viewer', 'verifyToken', 'rotatePersonalAccessToken'].includes(operation.key),
    START_WORKFLOWS: (operation) => ['viewer', 'rotatePersonalAccessToken'].includes(operation.key),
  };

  it.each(Object.keys(SCOPED))("should hold an administrator's %s-scoped token to its scope at every query and mutation", async (scope) => {
    const made = await post<{ createPersonalAccessToken: { secret: string } }>(
      tessera,
      'mutation M($scopes: [TokenScope!]) { createPersonalAccessToken(input: { name: "scoped", scopes: $scopes }) { secret } }',
      { scopes: [scope] },
      tessera.adminToken,
    );
    const token = made.data!.createPersonalAccessToken.secret;
    const outcomes: Record<string, string> = {};
    const expected: Record<string, string> = {};
    for (const operation of queriesAndMutations.filter((candidate) => (ACCESS[candidate.key] ?? []).includes('ADMIN'))) {
      const got = codes(await post(tessera, documentFor(operation.kind, operation.field), variablesFor(operation.field), token));
      expected[operation.key] = SCOPED[scope](operation) ? 'allowed' : 'FORBIDDEN';
      outcomes[operation.key] = got.some((code) => ['UNAUTHENTICATED', 'FORBIDDEN', 'INTERNAL_SERVER_ERROR'].includes(code)) ? got.join(',') : 'allowed';
    }
    expect(outcomes).toEqual(expected);
    // Subscriptions read: READ and WRITE may listen, the narrower scopes may not.
    const client = tessera.ws(token);
    // Replays from here, so the event below is delivered however fast it is written.
    const feed = client.subscribe(gqlDocument('subscription M($after: ID) { tokenEvents(after: $after) { id } }'), { after: await maxEventId(tessera) });
    if (scope === 'READ' || scope === 'WRITE') {
      const made2 = await post(tessera, 'mutation { createPersonalAccessToken(input: { name: "heard" }) { token { id } } }', {}, tessera.adminToken);
      expect(made2.errors).toBeUndefined();
      expect((await feed.next()).kind).toBe('next');
    } else {
      const refused = await feed.next();
      expect(refused.kind).toBe('error');
      expect(JSON.stringify(refused)).toContain('INSUFFICIENT_SCOPE');
    }
    feed.unsubscribe();
    await client.dispose();
  });

  it('should let every signed-in caller listen to each subscription of its own tokens, and close an anonymous socket with 4401', async () => {
    const subscriptions = operations.filter((operation) => operation.kind === 'subscription');
    // Each caller's own token gets one event of each family (seeded through the outbox, as a
    // change would write it), so an accepted subscription has something to deliver.
    const after = String(await maxEventId(tessera));
    for (const principal of principals) {
      await lifecycleOf(tessera).run(NoticeService.systemActor(), async (tx) => {
        const record = await tx.em.findOneOrFail(TokenRecord, { id: principal.tokenId });
        tx.emit(TokenEventType.EXPIRING_SOON, record, { thresholdDays: 1, secondsLeft: 3600 });
        tx.emit(TokenEventType.REGENERATED, record);
      });
    }
    for (const operation of subscriptions) {
      const allowed = ACCESS[operation.key] ?? [];
      const document = `subscription M($after: ID, $filter: TokenEventFilter) { ${operation.field.name}(after: $after, filter: $filter) { type token { tokenId } } }`;
      for (const principal of principals) {
        const role = principal.name === 'OTHER_TENANT_ADMIN' ? 'ADMIN' : principal.name;
        const client = tessera.ws(principal.token);
        const feed = client.subscribe<Record<string, { type: string; token: { tokenId: string } }>, unknown>(gqlDocument(document), {
          after,
          filter: { tokenIds: [principal.tokenId] },
        });
        const delivery = await feed.next();
        if (allowed.includes(role as PrincipalName)) {
          expect({
            principal: principal.name,
            operation: operation.key,
            delivery: delivery.kind === 'next' ? delivery.value[operation.field.name].token.tokenId : delivery,
          }).toEqual({ principal: principal.name, operation: operation.key, delivery: principal.tokenId });
        } else {
          expect({ principal: principal.name, operation: operation.key, delivery: delivery.kind }).toEqual({
            principal: principal.name,
            operation: operation.key,
            delivery: 'error',
          });
        }
        feed.unsubscribe();
        await client.dispose();
      }
      const anonymous = tessera.ws(null);
      const feed = anonymous.subscribe(gqlDocument(document), { after });
      expect((await anonymous.closed()).code).toBe(4401);
      expect((await feed.next()).kind).toBe('error');
    }
  });

  describe('another tenant', () => {
    it("should read every record of this tenant as NOT_FOUND to another tenant's administrator, for every operation taking its id", async () => {
      const { records, outcomes } = await bola(tessera, schema);
      expect(records.length).toBeGreaterThanOrEqual(6);
      const wrong = outcomes.filter((outcome) => outcome.code !== 'NOT_FOUND');
      expect(wrong).toEqual([]);
      expect(outcomes.length).toBeGreaterThan(20);
    });

    it("should keep this tenant's ids out of every list another tenant's administrator reads", async () => {
      const { records, listings } = await bola(tessera, schema);
      for (const listing of listings) {
        for (const record of records)
          expect({ list: listing.name, leaked: listing.body.includes(record.id) ? record : null }).toEqual({ list: listing.name, leaked: null });
      }
      expect(listings.map((listing) => listing.name)).toEqual(
        expect.arrayContaining([
          'apps',
          'workflows',
          'workflowTokens',
          'endpoints',
          'endpointTokens',
          'personalAccessTokens',
          'tokenEvents',
          'auditLog',
          'oauthProviders',
          'oauthTokens',
        ]),
      );
    });

    it("should not push this tenant's events to another tenant's listener", async () => {
      const other = principals.find((principal) => principal.name === 'OTHER_TENANT_ADMIN');
      if (!other) throw new Error('no other tenant');
      const after = String(await maxEventId(tessera));
      const client = tessera.ws(other.token);
      const feed = client.subscribe<{ tokenEvents: { token: { tokenId: string } } }, unknown>(
        gqlDocument('subscription M($after: ID) { tokenEvents(after: $after) { token { tokenId } } }'),
        { after },
      );
      const mine = await post(tessera, 'mutation { createPersonalAccessToken(input: { name: "here" }) { token { id } } }', {}, tessera.adminToken);
      const theirs = await post(tessera, 'mutation { createPersonalAccessToken(input: { name: "there" }) { token { id } } }', {}, other.token);
      const theirId = (theirs.data as { createPersonalAccessToken: { token: { id: string } } }).createPersonalAccessToken.token.id;
      expect((mine.data as { createPersonalAccessToken: { token: { id: string } } }).createPersonalAccessToken.token.id).toBeTruthy();
      expect((await feed.value()).tokenEvents.token.tokenId).toBe(theirId);
      await eventually(async () => (feed.pending === 0 ? true : undefined));
      feed.unsubscribe();
    });
  });
});

/** The instance's outbox, to seed events as a change would write them (the sweep holds the core deps). */
function lifecycleOf(tessera: TestInstance): CoreDeps['lifecycle'] {
  return (tessera.server.sweep as unknown as { deps: CoreDeps }).deps.lifecycle;
}

async function maxEventId(tessera: TestInstance): Promise<string> {
  const rows = (await tessera.server.orm.em.fork().getConnection().execute('select max(id) as id from token_events')) as { id: string | number | null }[];
  return String(rows[0]?.id ?? 0);
}

function gqlDocument(source: string) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require('graphql') as typeof import('graphql');
  return parse(source) as never;
}
