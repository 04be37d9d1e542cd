import { PublishWorkflowDocument, WorkflowsDocument } from '../generated/graphql';
import { BACKENDS, dataOf, startTessera, type TestInstance } from '../harness/tessera';
import { publish, startWorkflow, workflowName } from '../workflows-helpers';
import { Workflow } from '../../src/modules/workflows/workflow.entity';

/**
 * ReDoS and other costly request schemas (issue 15 item 7): a schema whose validation could hold
 * the event loop is refused when it is published, and one stored before these rules is never run.
 * The vulnerable patterns below would block the loop for minutes on a 35-byte body if ajv ran
 * them; the tests prove they are refused, never that they are slow.
 */
describe.each(BACKENDS)('request schemas that could stall the server, on %s', (backend) => {
  let tessera: TestInstance;

  beforeAll(async () => {
    tessera = await startTessera({ backend });
  });

  afterAll(async () => {
    await tessera?.close();
  });

  async function workflowCount(): Promise<number> {
    return dataOf(await tessera.gql(WorkflowsDocument, { first: 1 })).workflows.totalCount;
  }

  async function publishRefused(requestSchema: Record<string, unknown>): Promise<string> {
    const before = await workflowCount();
    const response = await tessera.gql(PublishWorkflowDocument, { input: { name: workflowName('unsafe'), startEvent: 'COMPONENT', requestSchema } });
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.requestSchema' });
    expect(await workflowCount()).toBe(before);
    return response.errors?.[0]?.message ?? '';
  }

  it.each([
    ['an exponential pattern', { type: 'object', properties: { a: { type: 'string', pattern: '^(a|a)+$' } } }],
    ['a nested-quantifier pattern', { type: 'object', properties: { a: { type: 'string', pattern: '(x+x+)+y' } } }],
    ['a vulnerable patternProperties key', { type: 'object', patternProperties: { '^(([a-z])+.)+[A-Z]([a-z])+$': { type: 'string' } } }],
    [
      'a vulnerable pattern deep inside',
      {
        type: 'object',
        properties: { list: { type: 'array', maxItems: 5, items: { type: 'object', properties: { v: { type: 'string', pattern: '^(\\w+\\s?)*$' } } } } },
      },
    ],
  ])('should refuse %s when the workflow is published, naming the pattern, and publish nothing', async (_what, schema) => {
    expect(await publishRefused(schema)).toMatch(/pattern .* (backtrack|could not be proven safe)/);
  });

  it('should refuse uniqueItems on an array not bounded by a small maxItems, and accept a bounded one', async () => {
    expect(await publishRefused({ type: 'object', properties: { tags: { type: 'array', uniqueItems: true } } })).toContain('uniqueItems needs maxItems');
    expect(await publishRefused({ type: 'object', properties: { tags: { type: 'array', uniqueItems: true, maxItems: 100_000 } } })).toContain(
      'uniqueItems needs maxItems',
    );
    const { workflow, secret } = await publish(tessera, {
      requestSchema: { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, maxItems: 10 } } },
    });
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: { tags: ['a', 'a'] } })).status).toBe(400);
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: { tags: ['a', 'b'] } })).status).toBe(201);
  });

  it('should refuse a schema nested deeper than 32 levels', async () => {
    let schema: Record<string, unknown> = { type: 'string' };
    // 20 levels of properties: 40 schema levels, inside the 64 levels the JSON body may nest.
    for (let i = 0; i < 20; i += 1) schema = { type: 'object', properties: { n: schema } };
    expect(await publishRefused(schema)).toContain('deeper than 32');
  });

  it('should accept safe patterns and enforce them on start', async () => {
    const { workflow, secret } = await publish(tessera, {
      requestSchema: {
        type: 'object',
        properties: { orderId: { type: 'string', pattern: '^[A-Z]-\\d{1,6}$' } },
        patternProperties: { '^x-[a-z]+$': { type: 'string' } },
      },
    });
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body: { orderId: 'A-17' } })).status).toBe(201);
    const refused = await startWorkflow(tessera, workflow.id, { header: secret as string, body: { orderId: 'nope' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain('must match pattern');
  });

  it("should never run a stored schema that today's rules refuse (published before them): 409, nothing recorded", async () => {
    const { workflow, secret } = await publish(tessera, { requestSchema: { type: 'object' } });
    // As an older version stored it: written directly, past the publish-time check.
    const em = tessera.server.orm.em.fork();
    await em.nativeUpdate(Workflow, { id: workflow.id }, { requestSchema: { type: 'object', properties: { a: { type: 'string', pattern: '^(a|a)+$' } } } });
    // 35 bytes that would hold the event loop for minutes in a backtracking engine.
    const body = { a: `${'a'.repeat(26)}!` };
    const refused = await startWorkflow(tessera, workflow.id, { header: secret as string, body });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'CONFLICT', reason: 'UNSAFE_REQUEST_SCHEMA' });
    expect(refused.body.error?.message).toContain('publish it again');
    // The server kept answering meanwhile, and answers the same the second time (the verdict is kept).
    expect((await startWorkflow(tessera, workflow.id, { header: secret as string, body })).status).toBe(409);
  });
});
