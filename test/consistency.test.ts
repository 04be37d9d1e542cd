import { OAuth2Server } from 'oauth2-mock-server';
import { CLOSED_CODES, describeOutcome, matches, must, mutate, placeholders, sql, verifyOn, type Outcome, type Serial } from './consistency.helpers';
import { startSibling, startTessera, type TestInstance } from './harness/tessera';

/**
 * Issue 16 §1: conflicting changes to one token (or to what owns tokens) are serialized. For every
 * pair of conflicting mutations, TRIALS times: fresh objects, the two mutations fired at the same
 * moment at two instances sharing one PostgreSQL, then: no INTERNAL; the answers, the stored
 * events and audit entries and the final state are those of one of the two serial orders; at most
 * one current value per token; /v1/verify on both instances agrees with that order for every
 * value handed out.
 */
const TRIALS = 20;
/** Trials of one pair run this many at a time (different objects), to keep the suite short. */
const BATCH = 5;

jest.setTimeout(120_000);

interface Scenario<C> {
  name: string;
  setup: (a: TestInstance) => Promise<C>;
  /** Tokens and subjects (workflow, app, endpoint, provider ids) whose events and audits count. */
  watch: (ctx: C) => { tokenIds: string[]; subjectIds: string[] };
  ops: [(on: TestInstance, ctx: C) => Promise<Outcome>, (on: TestInstance, ctx: C) => Promise<Outcome>];
  /** The outcome of the serial order `first` then the other (0: A first, 1: B first). */
  serial: (ctx: C, first: 0 | 1, results: [Outcome, Outcome]) => Serial;
}

describe('conflicting changes are serialized (PostgreSQL, two instances)', () => {
  let a: TestInstance;
  let b: TestInstance;
  let provider: OAuth2Server;
  let providerBase: string;

  beforeAll(async () => {
    provider = new OAuth2Server();
    await provider.issuer.keys.generate('RS256');
    await provider.start(0, '127.0.0.1');
    providerBase = provider.issuer.url as string;
    a = await startTessera({ backend: 'postgres' });
    b = await startSibling(a, { backend: 'postgres', clock: a.clock });
  });

  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await provider?.stop().catch(() => undefined);
  });

  /** Runs one trial; returns the violations found (empty: a serial outcome). */
  async function trial<C>(scenario: Scenario<C>, swap: boolean): Promise<string[]> {
    const ctx = await scenario.setup(a);
    const { tokenIds, subjectIds } = scenario.watch(ctx);
    const [{ max: eventsBefore }] = await sql<{ max: string | null }>(a, 'select max(id) as max from token_events');
    const auditTargets = [...tokenIds, ...subjectIds];
    const auditsBefore = new Set(
      (await sql<{ id: string }>(a, `select id from audit_entries where target_id in (${placeholders(auditTargets)})`, auditTargets)).map((row) => row.id),
    );
    // A on one instance, B on the other (which one alternates), at the same moment.
    const [onA, onB] = swap ? [b, a] : [a, b];
    const results = (await Promise.all([scenario.ops[0](onA, ctx), scenario.ops[1](onB, ctx)])) as [Outcome, Outcome];

    const violations: string[] = [];
    for (const result of results) {
      if (!result.ok && !CLOSED_CODES.has(result.code ?? '') && !result.code?.startsWith('OAUTH_'))
        violations.push(`answered ${result.code}: ${result.message}`);
    }
    const events = await sql<{ id: string; type: string; token_id: string }>(
      a,
      `select id, type, token_id from token_events where id > ? and (token_id in (${placeholders(tokenIds)}) or subject_id in (${placeholders(subjectIds)})) order by id`,
      [eventsBefore ?? 0, ...tokenIds, ...subjectIds],
    );
    const eventTokens = [...new Set([...auditTargets, ...events.map((event) => event.token_id)])];
    const audits = (
      await sql<{ id: string; action: string }>(a, `select id, action from audit_entries where target_id in (${placeholders(eventTokens)})`, eventTokens)
    ).filter((row) => !auditsBefore.has(row.id));
    const doubled = await sql<{ token_id: string; n: string }>(
      a,
      `select token_id, count(*) as n from token_secrets where valid_until is null and (token_id in (${placeholders(eventTokens)}) or token_id in (select id from tokens where subject_id in (${placeholders(subjectIds)}))) group by token_id having count(*) > 1`,
      [...eventTokens, ...subjectIds],
    );
    if (doubled.length > 0) violations.push(`tokens with two current values: ${doubled.map((row) => row.token_id).join(', ')}`);

    // Which serial order explains everything?
    const mismatches: string[] = [];
    for (const first of [0, 1] as const) {
      const serial = scenario.serial(ctx, first, results);
      const wrong: string[] = [];
      if (!matches(results[0], serial.results[0]) || !matches(results[1], serial.results[1]))
        wrong.push(`answers ${describeOutcome(results[0])}/${describeOutcome(results[1])}, serial ${serial.results.join('/')}`);
      const types = events.map((event) => event.type);
      if (types.join(',') !== serial.events.join(',')) wrong.push(`events [${types.join(',')}], serial [${serial.events.join(',')}]`);
      const auditCount = serial.audits ?? serial.events.length;
      if (audits.length !== auditCount) wrong.push(`audits [${audits.map((row) => row.action).join(',')}], serial ${auditCount}`);
      if (wrong.length === 0) {
        for (const expected of serial.values) {
          for (const [label, instance] of [
            ['A', a],
            ['B', b],
          ] as const) {
            const verdict = await verifyOn(instance, expected.value, expected.where);
            if (verdict.valid !== expected.valid)
              wrong.push(
                `${expected.what} ${verdict.valid ? 'valid' : `invalid (${verdict.reason})`} on ${label}, serial ${expected.valid ? 'valid' : 'invalid'}`,
              );
          }
        }
        if (serial.current) {
          const [row] = await sql<{ start: string }>(a, 'select start from tokens where id = ?', [serial.current.tokenId]);
          if (!row || !serial.current.value.startsWith(row.start)) wrong.push(`current value is not the later one (start ${row?.start})`);
        }
        for (const fact of serial.facts ?? []) {
          const mismatch = await fact();
          if (mismatch) wrong.push(mismatch);
        }
      }
      if (wrong.length === 0) {
        mismatches.length = 0;
        break;
      }
      mismatches.push(`${first === 0 ? 'A,B' : 'B,A'}: ${wrong.join('; ')}`);
    }
    if (mismatches.length > 0) violations.push(`no serial order: ${mismatches.join(' | ')}`);
    return violations;
  }

  async function run<C>(scenario: Scenario<C>): Promise<void> {
    const failures: string[] = [];
    for (let start = 0; start < TRIALS; start += BATCH) {
      const batch = await Promise.all(Array.from({ length: Math.min(BATCH, TRIALS - start) }, (_, i) => trial(scenario, (start + i) % 2 === 1)));
      batch.forEach((violations, i) => {
        if (violations.length > 0) failures.push(`trial ${start + i}: ${violations.join(' / ')}`);
      });
    }
    if (process.env.CONSISTENCY_REPORT) console.log(`${scenario.name}: ${failures.length}/${TRIALS} trials violate\n${failures.slice(0, 3).join('\n')}`);
    expect(failures).toEqual([]);
  }

  const unique = () => Math.random().toString(36).slice(2, 10);

  // ---- personal access tokens ------------------------------------------------------------

  async function newPat(on: TestInstance) {
    const created = await must<{ token: { id: string }; secret: string }>(
      on,
      'mutation ($input: CreatePersonalAccessTokenInput!) { createPersonalAccessToken(input: $input) { token { id } secret } }',
      { input: { name: `pat ${unique()}` } },
    );
    return { tokenId: created.token.id, secret: created.secret };
  }
  const revokePat = (on: TestInstance, ctx: { tokenId: string }) =>
    mutate(on, 'mutation ($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', { id: ctx.tokenId });
  const deletePat = (on: TestInstance, ctx: { tokenId: string }) =>
    mutate(on, 'mutation ($id: ID!) { deletePersonalAccessToken(id: $id) { id } }', { id: ctx.tokenId });
  const patWatch = (ctx: { tokenId: string }) => ({ tokenIds: [ctx.tokenId], subjectIds: [] });

  it('PAT revoke × revoke', () =>
    run({
      name: 'PAT revoke×2',
      setup: newPat,
      watch: patWatch,
      ops: [revokePat, revokePat],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'CONFLICT:ALREADY_REVOKED'] : ['CONFLICT:ALREADY_REVOKED', 'ok'],
        events: ['REVOKED'],
        values: [{ what: 'the value', value: ctx.secret, valid: false }],
      }),
    }));

  it('PAT delete × delete', () =>
    run({
      name: 'PAT delete×2',
      // Only a revoked token may be deleted.
      setup: async (on) => {
        const pat = await newPat(on);
        await must(on, 'mutation ($id: ID!) { revokePersonalAccessToken(id: $id) { id } }', { id: pat.tokenId });
        return pat;
      },
      watch: patWatch,
      ops: [deletePat, deletePat],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'NOT_FOUND'] : ['NOT_FOUND', 'ok'],
        events: ['DELETED'],
        values: [{ what: 'the value', value: ctx.secret, valid: false }],
      }),
    }));

  it('reportLeakedToken × revoke (PAT)', () =>
    run({
      name: 'leak report vs revoke',
      setup: newPat,
      watch: patWatch,
      ops: [
        (on, ctx) => mutate(on, 'mutation ($token: String!) { reportLeakedToken(token: $token) { revoked alreadyInactive } }', { token: ctx.secret }),
        revokePat,
      ],
      serial: (ctx, first, results) => ({
        // Leak first: it revokes, the revoke finds it revoked. Revoke first: the report finds it inactive.
        results: first === 0 ? ['ok', 'CONFLICT:ALREADY_REVOKED'] : ['ok', 'ok'],
        events: ['REVOKED'],
        values: [{ what: 'the value', value: ctx.secret, valid: false }],
        facts: [
          async () => (results[0].ok && results[0].data?.revoked !== (first === 0) ? `leak report says revoked=${String(results[0].data?.revoked)}` : null),
        ],
      }),
    }));

  // ---- workflow tokens -------------------------------------------------------------------

  async function newWorkflow(on: TestInstance) {
    const published = await must<{ workflow: { id: string }; token: { id: string }; secret: string }>(
      on,
      'mutation ($input: PublishWorkflowInput!) { publishWorkflow(input: $input) { workflow { id } token { id } secret } }',
      { input: { name: `flow ${unique()}`, startEvent: 'COMPONENT' } },
    );
    return { workflowId: published.workflow.id, tokenId: published.token.id, secret: published.secret };
  }
  type WorkflowCtx = Awaited<ReturnType<typeof newWorkflow>>;
  const workflowWatch = (ctx: WorkflowCtx) => ({ tokenIds: [ctx.tokenId], subjectIds: [ctx.workflowId] });
  const regenerateWorkflow = (on: TestInstance, ctx: WorkflowCtx) =>
    mutate(on, 'mutation ($id: ID!) { regenerateWorkflowToken(workflowId: $id) { token { id } secret graceEndsAt } }', { id: ctx.workflowId });
  const revokeWorkflow = (on: TestInstance, ctx: WorkflowCtx) =>
    mutate(on, 'mutation ($id: ID!) { revokeWorkflowToken(workflowId: $id) { id } }', { id: ctx.workflowId });
  const refreshWorkflow = (on: TestInstance, ctx: WorkflowCtx) =>
    mutate(on, 'mutation ($id: ID!) { refreshWorkflowToken(workflowId: $id) { id } }', { id: ctx.workflowId });
  const deleteWorkflowToken = (on: TestInstance, ctx: WorkflowCtx) =>
    mutate(on, 'mutation ($id: ID!) { deleteWorkflowToken(workflowId: $id) { id } }', { id: ctx.workflowId });
  const secretOf = (result: Outcome) => (result.data?.secret as string | undefined) ?? '';

  it('workflow regenerate × regenerate', () =>
    run({
      name: 'workflow regenerate×2',
      setup: newWorkflow,
      watch: workflowWatch,
      ops: [regenerateWorkflow, regenerateWorkflow],
      serial: (ctx, first, results) => {
        const earlier = secretOf(results[first]);
        const later = secretOf(results[1 - first]);
        return {
          results: ['ok', 'ok'],
          events: ['REGENERATED', 'REGENERATED'],
          // The later regeneration ends the original's grace and gives the earlier value one.
          values: [
            { what: 'the original value', value: ctx.secret, valid: false },
            { what: 'the earlier value (in grace)', value: earlier, valid: true },
            { what: 'the later value', value: later, valid: true },
          ],
          current: { tokenId: ctx.tokenId, value: later },
        };
      },
    }));

  it('workflow revoke × regenerate', () =>
    run({
      name: 'workflow revoke vs regenerate',
      setup: newWorkflow,
      watch: workflowWatch,
      ops: [revokeWorkflow, regenerateWorkflow],
      serial: (ctx, first, results) => ({
        results: ['ok', 'ok'],
        // Revoke then regenerate: revived, active. Regenerate then revoke: revoked, every value dead.
        events: first === 0 ? ['REVOKED', 'REGENERATED'] : ['REGENERATED', 'REVOKED'],
        values: [
          { what: 'the original value', value: ctx.secret, valid: false },
          { what: 'the regenerated value', value: secretOf(results[1]), valid: first === 0 },
        ],
      }),
    }));

  it('workflow refresh × revoke', () =>
    run({
      name: 'workflow refresh vs revoke',
      setup: newWorkflow,
      watch: workflowWatch,
      ops: [refreshWorkflow, revokeWorkflow],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'ok'] : ['CONFLICT', 'ok'],
        events: first === 0 ? ['REFRESHED', 'REVOKED'] : ['REVOKED'],
        values: [{ what: 'the value', value: ctx.secret, valid: false }],
      }),
    }));

  it('workflow regenerate × delete', () =>
    run({
      name: 'workflow regenerate vs delete',
      setup: newWorkflow,
      watch: workflowWatch,
      ops: [regenerateWorkflow, deleteWorkflowToken],
      serial: (ctx, first, results) => ({
        results: first === 0 ? ['ok', 'ok'] : ['ok', 'ok'],
        // Regenerate then delete: nothing left. Delete then regenerate: a new token for the workflow.
        events: first === 0 ? ['REGENERATED', 'DELETED'] : ['DELETED', 'CREATED'],
        values: [
          { what: 'the original value', value: ctx.secret, valid: false },
          { what: 'the regenerated value', value: secretOf(results[0]), valid: first === 1 },
        ],
        facts: [
          async () => {
            const rows = await sql(a, 'select id from tokens where subject_id = ?', [ctx.workflowId]);
            return rows.length === (first === 0 ? 0 : 1) ? null : `${rows.length} tokens left for the workflow`;
          },
        ],
      }),
    }));

  // ---- apps ------------------------------------------------------------------------------

  async function newApp(on: TestInstance) {
    const created = await must<{ app: { id: string; clientId: string; clientSecret: { id: string } }; secret: string }>(
      on,
      'mutation ($input: CreateAppInput!) { createApp(input: $input) { app { id clientId clientSecret { id } } secret } }',
      { input: { name: `app ${unique()}` } },
    );
    return { appId: created.app.id, clientId: created.app.clientId, tokenId: created.app.clientSecret.id, secret: created.secret };
  }
  type AppCtx = Awaited<ReturnType<typeof newApp>>;
  const appWatch = (ctx: AppCtx) => ({ tokenIds: [ctx.tokenId], subjectIds: [ctx.appId] });
  const rotate = (on: TestInstance, ctx: AppCtx) =>
    mutate(on, 'mutation ($id: ID!) { rotateAppSecret(id: $id, graceSeconds: 300) { secret previousSecretValidUntil } }', { id: ctx.appId });
  const disableApp = (on: TestInstance, ctx: AppCtx) => mutate(on, 'mutation ($id: ID!) { disableApp(id: $id) { id } }', { id: ctx.appId });
  const deleteApp = (on: TestInstance, ctx: AppCtx) => mutate(on, 'mutation ($id: ID!) { deleteApp(id: $id) { id } }', { id: ctx.appId });
  async function grant(on: TestInstance, ctx: AppCtx): Promise<Outcome> {
    const response = await fetch(`${on.url}/oauth/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${ctx.clientId}:${ctx.secret}`).toString('base64')}`,
      },
      body: 'grant_type=client_credentials',
    });
    const body = (await response.json()) as Record<string, unknown>;
    if (response.status === 200) return { ok: true, data: body };
    return { ok: false, code: response.status >= 500 ? 'INTERNAL_SERVER_ERROR' : `OAUTH_${String(body.error).toUpperCase()}`, message: JSON.stringify(body) };
  }

  it('rotateAppSecret × rotateAppSecret', () =>
    run({
      name: 'rotateAppSecret×2',
      setup: newApp,
      watch: appWatch,
      ops: [rotate, rotate],
      serial: (ctx, first, results) => {
        const earlier = secretOf(results[first]);
        const later = secretOf(results[1 - first]);
        return {
          results: ['ok', 'ok'],
          events: ['REGENERATED', 'REGENERATED'],
          values: [
            { what: 'the original secret', value: ctx.secret, valid: false },
            { what: 'the earlier secret (in grace)', value: earlier, valid: true },
            { what: 'the later secret', value: later, valid: true },
          ],
          current: { tokenId: ctx.tokenId, value: later },
        };
      },
    }));

  it('disableApp × disableApp', () =>
    run({
      name: 'disableApp×2',
      setup: newApp,
      watch: appWatch,
      ops: [disableApp, disableApp],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'CONFLICT:ALREADY_DISABLED'] : ['CONFLICT:ALREADY_DISABLED', 'ok'],
        events: ['DISABLED'],
        values: [{ what: 'the secret', value: ctx.secret, valid: false }],
      }),
    }));

  it('deleteApp × client-credentials grant', () =>
    run({
      name: 'deleteApp vs grant',
      setup: newApp,
      watch: appWatch,
      ops: [deleteApp, grant],
      serial: (ctx, first, results) => ({
        // Delete first: the client no longer authenticates. Grant first: the delete takes the access token too.
        results: first === 0 ? ['ok', 'OAUTH_INVALID_CLIENT'] : ['ok', 'ok'],
        events: first === 0 ? ['DELETED'] : ['CREATED', 'DELETED', 'DELETED'],
        values: [
          { what: 'the secret', value: ctx.secret, valid: false },
          ...(results[1].ok ? [{ what: 'the access token', value: results[1].data?.access_token as string, valid: false }] : []),
        ],
        facts: [
          async () => {
            const rows = await sql(a, 'select id, kind from tokens where subject_id = ? or owner_id = ?', [ctx.appId, ctx.appId]);
            return rows.length === 0 ? null : `tokens of the deleted app left: ${JSON.stringify(rows)}`;
          },
        ],
      }),
    }));

  // ---- endpoint tokens -------------------------------------------------------------------

  async function newEndpoint(on: TestInstance) {
    const { endpoint } = await must<{ endpoint: { id: string; primaryTokens: { id: string; method: string; secret: string }[] } }>(
      on,
      'mutation ($input: CreateEndpointInput!) { createEndpoint(input: $input) { endpoint { id primaryTokens { id method secret } } } }',
      { input: { name: 'hook', path: `hook/${unique()}`, authentication: 'TOKEN' } },
    );
    const primary = endpoint.primaryTokens.find((token) => token.method === 'GET') as { id: string; secret: string };
    const { endpointToken, secret } = await must<{ endpointToken: { id: string }; secret: string }>(
      on,
      'mutation ($input: CreateEndpointTokenInput!) { createEndpointToken(input: $input) { endpointToken { id } secret } }',
      {
        input: { name: `secondary ${unique()}` },
      },
    );
    const { assignment } = await must<{ assignment: { id: string } }>(
      on,
      'mutation ($input: AssignEndpointTokenInput!) { assignEndpointToken(input: $input) { assignment { id } } }',
      {
        input: { endpointId: endpoint.id, tokenId: endpointToken.id, methods: ['POST'] },
      },
    );
    return { endpointId: endpoint.id, primaryId: primary.id, primarySecret: primary.secret, tokenId: endpointToken.id, secret, assignmentId: assignment.id };
  }
  type EndpointCtx = Awaited<ReturnType<typeof newEndpoint>>;
  const regenerateSecondary = (on: TestInstance, ctx: EndpointCtx) =>
    mutate(on, 'mutation ($id: ID!) { regenerateEndpointToken(id: $id) { secret } }', { id: ctx.tokenId });
  const generatePrimary = (on: TestInstance, ctx: EndpointCtx) =>
    mutate(on, 'mutation ($id: ID!) { generatePrimaryToken(endpointId: $id, method: GET) { id secret } }', { id: ctx.endpointId });
  const unassign = (on: TestInstance, ctx: EndpointCtx) =>
    mutate(on, 'mutation ($id: ID!) { unassignEndpointToken(id: $id) { id } }', { id: ctx.assignmentId });
  const switchOff = (on: TestInstance, ctx: EndpointCtx) =>
    mutate(on, 'mutation ($id: ID!) { setAssignmentEnabled(id: $id, enabled: false) { id } }', { id: ctx.assignmentId });

  it('secondary regenerateEndpointToken × regenerateEndpointToken', () =>
    run({
      name: 'secondary regenerate×2',
      setup: newEndpoint,
      watch: (ctx) => ({ tokenIds: [ctx.tokenId], subjectIds: [] }),
      ops: [regenerateSecondary, regenerateSecondary],
      serial: (ctx, first, results) => {
        const where = { endpointId: ctx.endpointId, method: 'POST' };
        return {
          results: ['ok', 'ok'],
          events: ['REGENERATED', 'REGENERATED'],
          // No grace: only the later value works.
          values: [
            { what: 'the original value', value: ctx.secret, where, valid: false },
            { what: 'the earlier value', value: secretOf(results[first]), where, valid: false },
            { what: 'the later value', value: secretOf(results[1 - first]), where, valid: true },
          ],
          current: { tokenId: ctx.tokenId, value: secretOf(results[1 - first]) },
        };
      },
    }));

  it('generatePrimaryToken × generatePrimaryToken', () =>
    run({
      name: 'generatePrimaryToken×2',
      setup: newEndpoint,
      watch: (ctx) => ({ tokenIds: [ctx.primaryId], subjectIds: [] }),
      ops: [generatePrimary, generatePrimary],
      serial: (ctx, first, results) => {
        const where = { endpointId: ctx.endpointId, method: 'GET' };
        return {
          results: ['ok', 'ok'],
          events: ['REGENERATED', 'REGENERATED'],
          values: [
            { what: 'the original value', value: ctx.primarySecret, where, valid: false },
            { what: 'the earlier value', value: secretOf(results[first]), where, valid: false },
            { what: 'the later value', value: secretOf(results[1 - first]), where, valid: true },
          ],
          current: { tokenId: ctx.primaryId, value: secretOf(results[1 - first]) },
        };
      },
    }));

  it('unassign × unassign', () =>
    run({
      name: 'unassign×2',
      setup: newEndpoint,
      watch: (ctx) => ({ tokenIds: [ctx.tokenId], subjectIds: [] }),
      ops: [unassign, unassign],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'NOT_FOUND'] : ['NOT_FOUND', 'ok'],
        events: ['UNASSIGNED'],
        values: [{ what: 'the value', value: ctx.secret, where: { endpointId: ctx.endpointId, method: 'POST' }, valid: false }],
      }),
    }));

  it('setAssignmentEnabled(false) × unassign', () =>
    run({
      name: 'switch off vs unassign',
      setup: newEndpoint,
      watch: (ctx) => ({ tokenIds: [ctx.tokenId], subjectIds: [] }),
      ops: [switchOff, unassign],
      serial: (ctx, first) => ({
        results: first === 0 ? ['ok', 'ok'] : ['NOT_FOUND', 'ok'],
        events: first === 0 ? ['DISABLED', 'UNASSIGNED'] : ['UNASSIGNED'],
        values: [{ what: 'the value', value: ctx.secret, where: { endpointId: ctx.endpointId, method: 'POST' }, valid: false }],
      }),
    }));

  // ---- OAuth (outbound) ------------------------------------------------------------------

  async function newProvider(on: TestInstance) {
    const created = await must<{ id: string }>(on, 'mutation ($input: CreateOAuthProviderInput!) { createOAuthProvider(input: $input) { id } }', {
      input: {
        name: `provider ${unique()}`,
        authorizeUrl: `${providerBase}/authorize`,
        tokenUrl: `${providerBase}/token`,
        revocationUrl: `${providerBase}/revoke`,
        defaultConsumerKey: 'tessera-client',
        defaultConsumerSecret: 'provider-secret-value',
      },
    });
    return { providerId: created.id, name: `cc ${unique()}` };
  }

  it('createOAuthToken × deleteOAuthProvider', () =>
    run({
      name: 'createOAuthToken vs deleteOAuthProvider',
      setup: newProvider,
      watch: (ctx) => ({ tokenIds: [], subjectIds: [ctx.providerId] }),
      ops: [
        (on, ctx) =>
          mutate(on, 'mutation ($input: CreateOAuthTokenInput!) { createOAuthToken(input: $input) { token { id } } }', {
            input: { name: ctx.name, providerId: ctx.providerId, flow: 'CLIENT_CREDENTIALS' },
          }),
        (on, ctx) => mutate(on, 'mutation ($id: ID!) { deleteOAuthProvider(id: $id) { id } }', { id: ctx.providerId }),
      ],
      serial: (ctx, first) => ({
        // Create first: the provider is in use. Delete first: the provider is gone.
        results: first === 0 ? ['ok', 'CONFLICT:PROVIDER_IN_USE'] : ['NOT_FOUND', 'ok'],
        events: first === 0 ? ['CREATED'] : [],
        audits: first === 0 ? 1 : 1,
        values: [],
        facts: [
          async () => {
            const rows = await sql<{ n: string }>(a, 'select count(*) as n from oauth_providers where id = ?', [ctx.providerId]);
            return Number(rows[0].n) === (first === 0 ? 1 : 0) ? null : `provider ${first === 0 ? 'gone' : 'still there'}`;
          },
        ],
      }),
    }));
});
