import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import type { GraphQLResponse, TestInstance } from '../harness/tessera';

/** APP: an access token of an administrator's app (AUTOMATION_ADMIN); DEV_APP: of a developer's app (DEVELOPER). */
export type PrincipalName = 'ADMIN' | 'AUTOMATION_ADMIN' | 'DEVELOPER' | 'MEMBER' | 'APP' | 'DEV_APP';
export interface Principal {
  name: PrincipalName | 'OTHER_TENANT_ADMIN' | 'ANONYMOUS';
  token: string | null;
  /** The id of the token the caller authenticates with. */
  tokenId: string;
}

/** POST /graphql with a raw document, as `token` (anonymous when null). */
export async function post<T = Record<string, unknown>>(
  tessera: TestInstance,
  query: string,
  variables: Record<string, unknown>,
  token: string | null,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${tessera.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The data of a raw response, failing with its errors. */
export function must<T = Record<string, any>>(response: GraphQLResponse<unknown>): T {
  if (response.errors?.length || !response.data) throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
  return response.data as T;
}

const suffix = (): string => Math.random().toString(36).slice(2, 10);

export async function newUser(tessera: TestInstance, role: string, adminToken = tessera.adminToken): Promise<{ id: string; token: string }> {
  const created = must(
    await post(
      tessera,
      'mutation M($input: CreateUserInput!) { createUser(input: $input) { user { id } secret } }',
      { input: { email: `${role.toLowerCase()}-${suffix()}@example.com`, name: `A ${role}`, role } },
      adminToken,
    ),
  );
  return { id: created.createUser.user.id, token: created.createUser.secret };
}

export async function newApp(
  tessera: TestInstance,
  token = tessera.adminToken,
  role?: string,
): Promise<{ id: string; clientId: string; secret: string; secretTokenId: string }> {
  const created = must(
    await post(
      tessera,
      'mutation M($input: CreateAppInput!) { createApp(input: $input) { app { id clientId clientSecret { id } } secret } }',
      { input: { name: `app ${suffix()}`, ...(role ? { role } : {}) } },
      token,
    ),
  );
  const { app, secret } = created.createApp;
  return { id: app.id, clientId: app.clientId, secret, secretTokenId: app.clientSecret.id };
}

/** An access token from POST /oauth/token (client credentials). */
export async function accessToken(tessera: TestInstance, app: { clientId: string; secret: string }): Promise<string> {
  const response = await fetch(`${tessera.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${encodeURIComponent(app.clientId)}:${encodeURIComponent(app.secret)}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no access token: ${JSON.stringify(body)}`);
  return body.access_token;
}

async function tokenIdOf(tessera: TestInstance, token: string): Promise<string> {
  return must(await post(tessera, '{ viewer { tokenId } }', {}, token)).viewer.tokenId;
}

/**
 * Every kind of caller: each role, an access token of an administrator's app and of a
 * developer's app, an administrator of another tenant.
 */
export async function principalsOf(tessera: TestInstance): Promise<Principal[]> {
  const principals: Principal[] = [{ name: 'ADMIN', token: tessera.adminToken, tokenId: '' }];
  const users: Record<string, string> = {};
  for (const role of ['AUTOMATION_ADMIN', 'DEVELOPER', 'MEMBER'] as const) {
    users[role] = (await newUser(tessera, role)).token;
    principals.push({ name: role, token: users[role], tokenId: '' });
  }
  principals.push({ name: 'APP', token: await accessToken(tessera, await newApp(tessera)), tokenId: '' });
  principals.push({ name: 'DEV_APP', token: await accessToken(tessera, await newApp(tessera, users.DEVELOPER)), tokenId: '' });
  const other = await tessera.server.services.users.createTenantWithAdmin({
    tenantName: 'Elsewhere',
    adminEmail: `else-${suffix()}@else.example`,
    adminName: 'Else',
  });
  principals.push({ name: 'OTHER_TENANT_ADMIN', token: other.secret, tokenId: '' });
  for (const principal of principals) principal.tokenId = await tokenIdOf(tessera, principal.token as string);
  return principals;
}

/**
 * A selection of every field of `type` (fields without required arguments), `depth` levels
 * deep: "a list with all fields".
 */
export function selectionOf(type: GraphQLNamedType, depth: number): string {
  if (isScalarType(type) || isEnumType(type)) return '';
  if (isUnionType(type)) return '{ __typename }';
  if (!isObjectType(type) && !isInterfaceType(type)) return '';
  const parts: string[] = ['__typename'];
  for (const field of Object.values(type.getFields())) {
    if (field.args.some((arg) => isNonNullType(arg.type) && arg.defaultValue === undefined)) continue;
    const named = getNamedType(field.type);
    if (isScalarType(named) || isEnumType(named)) {
      parts.push(field.name);
    } else if (depth > 0) {
      const inner = selectionOf(named, depth - 1);
      if (inner) parts.push(`${field.name} ${inner}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}

/** Every list query of the schema (a Connection with no required argument), with all fields. */
export function listQueries(schema: GraphQLSchema, depth = 4): { name: string; query: string }[] {
  return Object.values(schema.getQueryType()?.getFields() ?? {})
    .filter((field) => getNamedType(field.type).name.endsWith('Connection') && !field.args.some((arg) => isNonNullType(arg.type)))
    .map((field) => {
      const args = ['first: 100', ...field.args.filter((arg) => arg.name === 'active').map(() => 'active: null')];
      return { name: field.name, query: `{ ${field.name}(${args.join(', ')}) ${selectionOf(getNamedType(field.type), depth)} }` };
    });
}

export interface TenantRecords {
  records: { kind: string; id: string }[];
  /** Values handed out while making them. */
  secrets: string[];
}

/** One record of every kind with an id, made in the admin's tenant. */
export async function recordsOfEveryKind(tessera: TestInstance): Promise<TenantRecords> {
  const admin = tessera.adminToken;
  const records: { kind: string; id: string }[] = [];
  const secrets: string[] = [];
  const pat = must(
    await post(tessera, 'mutation { createPersonalAccessToken(input: { name: "bola" }) { token { id } secret } }', {}, admin),
  ).createPersonalAccessToken;
  records.push({ kind: 'personal access token', id: pat.token.id });
  secrets.push(pat.secret);
  const workflow = must(
    await post(
      tessera,
      'mutation M($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } token { id } secret } }',
      { input: { name: `flow ${suffix()}`, startEvent: 'COMPONENT' } },
      admin,
    ),
  ).publishWorkflow;
  records.push({ kind: 'workflow', id: workflow.workflow.id }, { kind: 'workflow token', id: workflow.token.id });
  secrets.push(workflow.secret);
  const started = await fetch(`${tessera.url}/api/workflows/${workflow.workflow.id}/instances`, {
    method: 'POST',
    headers: { 'x-tessera-token': workflow.secret, 'content-type': 'application/json' },
    body: '{}',
  });
  const instance = (await started.json()) as { id?: string };
  if (instance.id) records.push({ kind: 'workflow instance', id: instance.id });
  const app = await newApp(tessera);
  records.push({ kind: 'app', id: app.id }, { kind: 'app secret', id: app.secretTokenId });
  secrets.push(app.secret);
  const access = await accessToken(tessera, app);
  secrets.push(access);
  records.push({ kind: 'app access token', id: await tokenIdOf(tessera, access) });
  const endpoint = must(
    await post(
      tessera,
      'mutation M($input: CreateEndpointInput!) { createEndpoint(input: $input) { endpoint { id primaryTokens { id secret } } } }',
      { input: { name: 'bola', path: `bola/${suffix()}`, authentication: 'TOKEN', allowDelete: true } },
      admin,
    ),
  ).createEndpoint.endpoint;
  records.push(
    { kind: 'endpoint', id: endpoint.id },
    ...endpoint.primaryTokens.map((primary: { id: string }) => ({ kind: 'endpoint primary token', id: primary.id })),
  );
  secrets.push(...endpoint.primaryTokens.map((primary: { secret: string }) => primary.secret));
  const secondary = must(
    await post(tessera, 'mutation { createEndpointToken(input: { name: "bola" }) { endpointToken { id } secret } }', {}, admin),
  ).createEndpointToken;
  records.push({ kind: 'endpoint token', id: secondary.endpointToken.id });
  secrets.push(secondary.secret);
  const assignment = must(
    await post(
      tessera,
      'mutation M($input: AssignEndpointTokenInput!) { assignEndpointToken(input: $input) { assignment { id } } }',
      { input: { endpointId: endpoint.id, tokenId: secondary.endpointToken.id, methods: ['GET', 'POST'] } },
      admin,
    ),
  ).assignEndpointToken;
  records.push({ kind: 'assignment', id: assignment.assignment.id });
  // An outbound OAuth provider and token; the provider is unreachable, so the token is FAILED — it still exists.
  const provider = must(
    await post(
      tessera,
      'mutation M($input: CreateOAuthProviderInput!) { createOAuthProvider(input: $input) { id } }',
      {
        input: {
          name: `bola ${suffix()}`,
          authorizeUrl: 'http://127.0.0.1:9/authorize',
          tokenUrl: 'http://127.0.0.1:9/token',
          defaultConsumerKey: 'bola-client',
          defaultConsumerSecret: 'bola-consumer-secret',
        },
      },
      admin,
    ),
  ).createOAuthProvider;
  records.push({ kind: 'oauth provider', id: provider.id });
  const outbound = must(
    await post(
      tessera,
      'mutation M($input: CreateOAuthTokenInput!) { createOAuthToken(input: $input) { token { id } } }',
      { input: { name: 'bola', providerId: provider.id, flow: 'CLIENT_CREDENTIALS', useDefaultKeys: true } },
      admin,
    ),
  ).createOAuthToken;
  records.push({ kind: 'oauth token', id: outbound.token.id });
  return { records, secrets };
}

/** Which record an id argument names, by its name; `id` may be any record. */
const ARGUMENT_KINDS: Record<string, string[]> = {
  workflowId: ['workflow'],
  endpointId: ['endpoint'],
  tokenId: ['endpoint token'],
  providerId: ['oauth provider'],
};

export interface BolaResult {
  records: { kind: string; id: string }[];
  outcomes: { operation: string; variables: unknown; code: string | undefined }[];
  listings: { name: string; body: string }[];
}

const bolaRuns = new WeakMap<TestInstance, Promise<BolaResult>>();

/**
 * Makes one record of every kind in the admin's tenant, then, as an administrator of another
 * tenant, calls every operation taking an id with each of them, and reads every list.
 */
export function bola(tessera: TestInstance, schema: GraphQLSchema): Promise<BolaResult> {
  let run = bolaRuns.get(tessera);
  if (!run) {
    run = runBola(tessera, schema);
    bolaRuns.set(tessera, run);
  }
  return run;
}

async function runBola(tessera: TestInstance, schema: GraphQLSchema): Promise<BolaResult> {
  const { records } = await recordsOfEveryKind(tessera);
  const other = await tessera.server.services.users.createTenantWithAdmin({
    tenantName: 'Intruder',
    adminEmail: `intruder-${suffix()}@else.example`,
    adminName: 'Intruder',
  });
  const outcomes: BolaResult['outcomes'] = [];
  for (const kind of ['query', 'mutation'] as const) {
    const type = kind === 'query' ? schema.getQueryType() : schema.getMutationType();
    for (const field of Object.values(type?.getFields() ?? {})) {
      // Each required argument: an id of this tenant (by argument name), or a fixed valid value.
      const idArgs = field.args.filter((arg) => isNonNullType(arg.type) && getNamedType(arg.type).name === 'ID');
      const inputArg = field.args.find((arg) => isNonNullType(arg.type) && getNamedType(arg.type).name === 'AssignEndpointTokenInput');
      if (idArgs.length === 0 && !inputArg) continue;
      const candidates = (name: string) => records.filter((record) => (ARGUMENT_KINDS[name] ?? [record.kind]).includes(record.kind));
      const combos: Record<string, unknown>[] = [];
      if (inputArg) {
        for (const endpoint of candidates('endpointId'))
          for (const token of candidates('tokenId')) combos.push({ [inputArg.name]: { endpointId: endpoint.id, tokenId: token.id, methods: ['GET'] } });
      } else {
        const [first, ...rest] = idArgs;
        for (const record of candidates(first.name)) {
          const variables: Record<string, unknown> = { [first.name]: record.id };
          for (const arg of rest) variables[arg.name] = candidates(arg.name)[0]?.id;
          combos.push(variables);
        }
      }
      const extra = field.args.filter((arg) => isNonNullType(arg.type) && !idArgs.includes(arg) && arg !== inputArg);
      for (const variables of combos) {
        for (const arg of extra) variables[arg.name] = extraValue(arg.name, getNamedType(arg.type));
        const declared = field.args.filter((arg) => arg.name in variables);
        const document = `${kind} B(${declared.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ')}) { ${field.name}(${declared.map((arg) => `${arg.name}: $${arg.name}`).join(', ')}) ${selectionOf(getNamedType(field.type), 0)} }`;
        const response = await post(tessera, document, variables, other.secret);
        outcomes.push({ operation: field.name, variables, code: response.errors?.[0]?.extensions?.code });
      }
    }
  }
  const listings: BolaResult['listings'] = [];
  for (const list of listQueries(schema, 3)) {
    const response = await post(tessera, list.query, {}, other.secret);
    listings.push({ name: list.name, body: JSON.stringify(must(response)) });
  }
  const filtered = await post(
    tessera,
    'query M($ids: [ID!]) { tokenEvents(first: 100, filter: { tokenIds: $ids }) { totalCount } }',
    { ids: records.map((record) => record.id) },
    other.secret,
  );
  listings.push({
    name: 'tokenEvents filtered by these ids',
    body: JSON.stringify(must(filtered)) + (must(filtered).tokenEvents.totalCount === 0 ? '' : records.map((record) => record.id).join(',')),
  });
  return { records, outcomes, listings };
}

function extraValue(name: string, type: GraphQLNamedType): unknown {
  if (isEnumType(type)) return type.getValues()[0].name;
  if (type.name === 'Boolean') return true;
  if (type.name === 'Int') return 0;
  if (isInputObjectType(type)) return {};
  return name;
}

/** `true` when a type is a list (used by callers that walk results). */
export const isList = isListType;
