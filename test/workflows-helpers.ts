import { CreateUserDocument, PublishWorkflowDocument, type PublishWorkflowInput } from './generated/graphql';
import { dataOf, type TestInstance } from './harness/tessera';

export type RoleName = 'ADMIN' | 'AUTOMATION_ADMIN' | 'DEVELOPER' | 'MEMBER';

let counter = 0;

/** A unique workflow name for this run. */
export function workflowName(what: string): string {
  counter += 1;
  return `${what} ${counter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A user of the admin's tenant with `role`, and their token. */
export async function newUser(tessera: TestInstance, role: RoleName, adminToken = tessera.adminToken) {
  const email = `${role.toLowerCase()}-${Math.random().toString(36).slice(2)}@example.com`;
  const created = dataOf(await tessera.gql(CreateUserDocument, { input: { email, name: `A ${role}`, role } }, adminToken)).createUser;
  return { ...created.user, token: created.secret };
}

/** Publishes a COMPONENT workflow (unless told otherwise) and returns the payload. */
export async function publish(tessera: TestInstance, input: Partial<PublishWorkflowInput> = {}, token = tessera.adminToken) {
  const payload = dataOf(
    await tessera.gql(PublishWorkflowDocument, { input: { name: workflowName('flow'), startEvent: 'COMPONENT', ...input } }, token),
  ).publishWorkflow;
  return payload;
}

export interface StartOptions {
  /** Sent as X-Tessera-Token. */
  header?: string;
  /** Sent as ?token=. */
  query?: string;
  /** Sent as Authorization: Bearer. */
  bearer?: string;
  /** A JSON value (serialized) or a raw string body. */
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** Further request headers (say, X-Forwarded-For). */
  headers?: Record<string, string>;
}

/** Calls POST /api/workflows/:id/instances for real. */
export async function startWorkflow(
  tessera: TestInstance,
  workflowId: string,
  options: StartOptions = {},
): Promise<{ status: number; body: { id?: string; workflowId?: string; error?: { code: string; message: string; reason?: string; field?: string } } }> {
  const url = new URL(`${tessera.url}/api/workflows/${encodeURIComponent(workflowId)}/instances`);
  if (options.query !== undefined) url.searchParams.set('token', options.query);
  const headers: Record<string, string> = { ...options.headers };
  if (options.header !== undefined) headers['x-tessera-token'] = options.header;
  if (options.bearer !== undefined) headers.authorization = `Bearer ${options.bearer}`;
  let body: string | undefined;
  if (options.raw !== undefined) body = options.raw;
  else if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(url, { method: 'POST', headers, body });
  return { status: response.status, body: (await response.json()) as never };
}
