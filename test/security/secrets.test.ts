import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse } from 'graphql';
import { BACKENDS, startTessera, type TestInstance } from '../harness/tessera';
import { accessToken, listQueries, must, newApp, newUser, post, recordsOfEveryKind } from './security.helpers';

/**
 * A full run over every kind hands out values; none of them may then appear in a log line, an
 * error, an event (history or live), a list, the audit log, or any column of the database.
 */
const schema = buildSchema(readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8'));

/**
 * Fields that reveal a value by design, to the administrator only. Every other field of every
 * list must be free of values; these must be null for any other role.
 *   - Endpoint.primaryTokens.secret: "values for administrators only" (endpoints module).
 */
const ADMIN_REVEAL_FIELDS = /"secret":"[^"]*"/g;

async function form(tessera: TestInstance, path: string, body: Record<string, string>, headers: Record<string, string> = {}) {
  const response = await fetch(`${tessera.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body),
  });
  return { status: response.status, text: await response.text() };
}

async function json(tessera: TestInstance, method: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${tessera.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

describe.each(BACKENDS)('secrets on %s', (backend) => {
  let tessera: TestInstance;
  const secrets = new Set<string>();
  /** Every answer the API gave during the run (errors included). */
  const answers: string[] = [];
  const liveEvents: unknown[] = [];
  let developerToken: string;

  const keep = <T>(answer: T): T => {
    answers.push(JSON.stringify(answer));
    return answer;
  };
  const gql = async (query: string, variables: Record<string, unknown> = {}, token: string | null = tessera.adminToken) =>
    keep(await post(tessera, query, variables, token));

  beforeAll(async () => {
    // The most verbose level: every line Tessera can write is checked.
    tessera = await startTessera({ backend, env: { LOG_LEVEL: 'trace' } });
    secrets.add(tessera.adminToken);
    const live = tessera
      .ws()
      .subscribe<{ tokenEvents: unknown }, unknown>(
        parse(
          'subscription { tokenEvents(after: "0") { id type reason thresholdDays secondsLeft graceEndsAt tenantId occurredAt token { tokenId kind name status expiresAt subjectType subjectId ownerId } actor { type id name } } }',
        ) as never,
      );

    // Every kind, once: PAT, workflow (+ token), app (+ secret, access token), endpoint (+ primary tokens), endpoint token, assignment.
    const made = await recordsOfEveryKind(tessera);
    made.secrets.forEach((value) => secrets.add(value));
    const developer = await newUser(tessera, 'DEVELOPER');
    developerToken = developer.token;
    secrets.add(developer.token);

    // Regenerate, rotate, reveal: more values handed out.
    const workflow = must(
      await gql('mutation M($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } secret } }', {
        input: { name: 'secret flow', startEvent: 'COMPONENT' },
      }),
    ).publishWorkflow;
    secrets.add(workflow.secret);
    const regenerated = must(
      await gql('mutation M($id: ID!) { regenerateWorkflowToken(workflowId: $id) { secret } }', { id: workflow.workflow.id }),
    ).regenerateWorkflowToken;
    secrets.add(regenerated.secret);
    const revealedCurl = must(
      await gql('query M($id: ID!) { workflow(id: $id) { token { apiEndpoint(reveal: true) { curl } } } }', { id: workflow.workflow.id }),
    ).workflow.token.apiEndpoint.curl as string;
    expect(revealedCurl).toContain(regenerated.secret);
    // Start it with the old (grace) and the new value, and with a wrong one.
    for (const value of [workflow.secret, regenerated.secret, `${regenerated.secret}x`])
      keep(await json(tessera, 'POST', `/api/workflows/${workflow.workflow.id}/instances`, { hello: 'world' }, { 'x-tessera-token': value }));

    const app = await newApp(tessera);
    secrets.add(app.secret);
    const rotated = must(await gql('mutation M($id: ID!) { rotateAppSecret(id: $id, graceSeconds: 60) { secret } }', { id: app.id })).rotateAppSecret;
    secrets.add(rotated.secret);
    const revealedApp = must(await gql('mutation M($id: ID!) { revealAppSecret(id: $id) }', { id: app.id })).revealAppSecret as string;
    secrets.add(revealedApp);
    const access = await accessToken(tessera, { clientId: app.clientId, secret: rotated.secret });
    secrets.add(access);
    keep(
      await form(
        tessera,
        '/oauth/introspect',
        { token: access },
        { authorization: `Basic ${Buffer.from(`${app.clientId}:${rotated.secret}`).toString('base64')}` },
      ),
    );
    keep(await form(tessera, '/oauth/token', { grant_type: 'client_credentials', client_id: app.clientId, client_secret: `${rotated.secret.slice(0, -1)}Z` }));
    must(await gql('{ viewer { id } }', {}, access));

    const endpoint = must(
      await gql('mutation M($input: CreateEndpointInput!) { createEndpoint(input: $input) { endpoint { id path primaryTokens { method secret } } } }', {
        input: { name: 'secret ep', path: `secret/${Date.now()}`, authentication: 'TOKEN', allowDelete: false },
      }),
    ).createEndpoint.endpoint;
    endpoint.primaryTokens.forEach((primary: { secret: string }) => secrets.add(primary.secret));
    const generated = must(
      await gql('mutation M($id: ID!) { generatePrimaryToken(endpointId: $id, method: POST) { secret } }', { id: endpoint.id }),
    ).generatePrimaryToken;
    secrets.add(generated.secret);
    const secondary = must(await gql('mutation { createEndpointToken(input: { name: "secret sec" }) { endpointToken { id } secret } }')).createEndpointToken;
    secrets.add(secondary.secret);
    must(
      await gql('mutation M($input: AssignEndpointTokenInput!) { assignEndpointToken(input: $input) { assignment { id } } }', {
        input: { endpointId: endpoint.id, tokenId: secondary.endpointToken.id, methods: ['POST'] },
      }),
    );
    keep(await json(tessera, 'POST', `/endpoints/${endpoint.path}`, { reading: 1 }, { 'x-tessera-token': secondary.secret }));
    keep(await json(tessera, 'POST', `/endpoints/${endpoint.path}`, { reading: 2 }, { 'x-tessera-token': generated.secret }));
    keep(await json(tessera, 'GET', `/endpoints/${endpoint.path}`, undefined, { 'x-tessera-token': secondary.secret }));
    const revealed = must(
      await gql('mutation M($id: ID!) { revealEndpointToken(id: $id) { secret } }', { id: secondary.endpointToken.id }),
    ).revealEndpointToken;
    secrets.add(revealed.secret);
    const regeneratedSecondary = must(
      await gql('mutation M($id: ID!) { regenerateEndpointToken(id: $id) { secret } }', { id: secondary.endpointToken.id }),
    ).regenerateEndpointToken;
    secrets.add(regeneratedSecondary.secret);
    keep(await json(tessera, 'POST', `/endpoints/${endpoint.path}`, { reading: 3 }, { 'x-tessera-token': secondary.secret }));

    // A webhook endpoint's signing secrets: made and rotated, never listed.
    const hook = must(
      await gql('mutation M($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { webhookEndpoint { id } secret } }', {
        input: { url: 'http://127.0.0.1:9/hook' },
      }),
    ).createWebhookEndpoint;
    secrets.add(hook.secret);
    secrets.add(
      must(await gql('mutation M($id: ID!) { rotateWebhookSecret(id: $id) { secret } }', { id: hook.webhookEndpoint.id })).rotateWebhookSecret.secret,
    );

    // Verification, by GraphQL and REST, good and bad.
    for (const value of [...secrets].slice(0, 6)) {
      await gql('query M($t: String!) { verifyToken(token: $t) { valid reason kind tokenId } }', { t: value });
      keep(await json(tessera, 'POST', '/v1/verify', { token: value }));
    }

    // Leak reports (REST for scanners and GraphQL), then use the revoked value: UNAUTHENTICATED.
    const leakedByScanner = must(await gql('mutation { createPersonalAccessToken(input: { name: "leaked 1" }) { secret } }')).createPersonalAccessToken
      .secret as string;
    const leakedByUser = must(await gql('mutation { createPersonalAccessToken(input: { name: "leaked 2" }) { secret } }')).createPersonalAccessToken
      .secret as string;
    secrets.add(leakedByScanner);
    secrets.add(leakedByUser);
    keep(await json(tessera, 'POST', '/v1/leaks', [{ token: leakedByScanner, type: 'tessera_pat', url: 'https://gist.example/x' }]));
    await gql('mutation M($t: String!) { reportLeakedToken(token: $t, source: "chat") { start recognised revoked tokenId } }', { t: leakedByUser });
    await gql('{ viewer { id } }', {}, leakedByScanner);
    await gql('{ viewer { id } }', {}, leakedByUser);
    // Errors: a conflict, an unknown id, input that fails validation.
    await gql('mutation { createPersonalAccessToken(input: { name: "" }) { secret } }');
    await gql('mutation M($id: ID!) { revealEndpointToken(id: $id) { secret } }', { id: 'est_nope' });
    await gql('mutation { createApp(input: { name: "x", accessTokenLifetimeSeconds: -1 }) { secret } }');

    // The live listener has seen everything up to the newest event.
    const newest = must(await gql('{ tokenEvents(first: 1) { totalCount } }')).tokenEvents.totalCount as number;
    for (let i = 0; i < newest; i += 1) liveEvents.push((await live.value()).tokenEvents);
    live.unsubscribe();
  });

  afterAll(async () => {
    await tessera.close();
  });

  const leaksIn = (text: string): string[] => [...secrets].filter((value) => text.includes(value)).map((value) => `${value.slice(0, 8)}…`);

  it('should have handed out values of every kind during the run', () => {
    const prefixes = new Set([...secrets].map((value) => /^(ts[a-z])_/.exec(value)?.[1] ?? (/^[A-Za-z0-9]{64}$/.test(value) ? 'secondary' : 'other')));
    expect([...prefixes].sort()).toEqual(expect.arrayContaining(['secondary', 'tsa', 'tsc', 'tse', 'tsp', 'tsw']));
    expect(secrets.size).toBeGreaterThan(20);
  });

  it('should write no value to any log line', () => {
    // Tessera logs little (no per-request lines): whatever it wrote at the most verbose level is checked.
    expect(tessera.logs.length).toBeGreaterThan(0);
    expect(leaksIn(tessera.logs.join('\n'))).toEqual([]);
    expect(leaksIn(tessera.printed.join('\n'))).toEqual([]);
  });

  it('should put no value in any error', () => {
    const errors = answers.flatMap((answer) => {
      const parsed = JSON.parse(answer) as { errors?: unknown; text?: string; status?: number };
      if (parsed.errors) return [JSON.stringify(parsed.errors)];
      if (typeof parsed.text === 'string' && (parsed.status ?? 200) >= 400) return [parsed.text];
      return [];
    });
    expect(errors.length).toBeGreaterThan(5);
    expect(leaksIn(errors.join('\n'))).toEqual([]);
  });

  it('should put no value in any event, in the history or live', async () => {
    const history: unknown[] = [];
    let after: string | null = null;
    for (;;) {
      const page: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: unknown[] } = must(
        await post(
          tessera,
          'query M($after: ID) { tokenEvents(first: 100, after: $after) { pageInfo { hasNextPage endCursor } edges { node { id type reason thresholdDays secondsLeft graceEndsAt tenantId occurredAt token { tokenId kind name status expiresAt subjectType subjectId ownerId } actor { type id name } } } } }',
          { after },
          tessera.adminToken,
        ),
      ).tokenEvents;
      history.push(...page.edges);
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(history.length).toBeGreaterThan(20);
    expect(liveEvents.length).toBe(history.length);
    expect(leaksIn(JSON.stringify(history))).toEqual([]);
    expect(leaksIn(JSON.stringify(liveEvents))).toEqual([]);
  });

  it('should put no value in any list, read with every field, nor in the audit log', async () => {
    const lists = listQueries(schema, 4);
    expect(lists.map((list) => list.name)).toEqual(
      expect.arrayContaining([
        'apps',
        'auditLog',
        'endpoints',
        'endpointTokens',
        'personalAccessTokens',
        'tokenEvents',
        'webhookEndpoints',
        'workflowTokens',
        'workflows',
      ]),
    );
    for (const list of lists) {
      const asAdmin = JSON.stringify(must(await post(tessera, list.query, {}, tessera.adminToken)));
      expect({ list: list.name, leaks: leaksIn(asAdmin.replace(ADMIN_REVEAL_FIELDS, '"secret":"<revealed to administrators>"')) }).toEqual({
        list: list.name,
        leaks: [],
      });
      const asDeveloper = await post(tessera, list.query, {}, developerToken);
      expect({ list: list.name, leaks: leaksIn(JSON.stringify(asDeveloper)) }).toEqual({ list: list.name, leaks: [] });
    }
    const audit = JSON.stringify(
      must(await post(tessera, '{ auditLog(first: 100) { totalCount edges { node { action detail targetName actorName } } } }', {}, tessera.adminToken)),
    );
    expect(audit).toContain('reveal');
    expect(leaksIn(audit)).toEqual([]);
  });

  it('should store no value in clear in any column of any table: only keyed hashes and v1. ciphertexts', async () => {
    const connection = tessera.server.orm.em.fork().getConnection();
    const tables =
      backend === 'postgres'
        ? ((await connection.execute('select tablename as name from pg_tables where schemaname = current_schema()')) as { name: string }[])
        : ((await connection.execute("select name from sqlite_master where type = 'table' and name not like 'sqlite_%'")) as { name: string }[]);
    const names = tables.map((table) => table.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'tokens',
        'token_secrets',
        'token_events',
        'audit_entries',
        'apps',
        'endpoints',
        'endpoint_calls',
        'workflows',
        'workflow_instances',
      ]),
    );
    for (const name of names) {
      const rows = (await connection.execute(`select * from ${name}`)) as Record<string, unknown>[];
      expect({ table: name, leaks: leaksIn(JSON.stringify(rows)) }).toEqual({ table: name, leaks: [] });
    }
    const stored = (await connection.execute('select hash, ciphertext from token_secrets')) as { hash: string; ciphertext: string | null }[];
    expect(stored.length).toBeGreaterThan(15);
    for (const row of stored) {
      expect(row.hash).toMatch(/^[A-Za-z0-9_\-+/=]{40,}$/);
      if (row.ciphertext) expect(row.ciphertext).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    }
    expect(stored.some((row) => row.ciphertext)).toBe(true);
  });
});
