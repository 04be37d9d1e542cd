import type { TestInstance } from './harness/tessera';

/**
 * Helpers of the consistency suite (test/consistency.test.ts): two conflicting mutations fired at
 * the same moment at two instances, and checks that what happened is what some serial order of
 * the two would have done.
 */

/** What one request answered: success with its data, or the error's code (and reason). */
export interface Outcome {
  ok: boolean;
  code?: string;
  reason?: string;
  data?: Record<string, unknown>;
  message?: string;
}

/** The closed set of codes a client may see (never INTERNAL_SERVER_ERROR). */
export const CLOSED_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'SERVICE_UNAVAILABLE']);

/** One GraphQL mutation through real HTTP; its first field's value as `data`. */
export async function mutate(instance: TestInstance, query: string, variables: Record<string, unknown>): Promise<Outcome> {
  const response = await instance.raw({ query, variables });
  const errors = response.body.errors;
  if (errors?.length) {
    const error = errors[0];
    return { ok: false, code: error.extensions?.code ?? `HTTP_${response.status}`, reason: error.extensions?.reason, message: error.message };
  }
  const data = response.body.data ?? {};
  return { ok: true, data: Object.values(data)[0] as Record<string, unknown> };
}

/** Like {@link mutate}, failing the test on an error (setup). */
export async function must<T = Record<string, unknown>>(instance: TestInstance, query: string, variables: Record<string, unknown>): Promise<T> {
  const outcome = await mutate(instance, query, variables);
  if (!outcome.ok) throw new Error(`setup failed: ${outcome.code} ${outcome.reason ?? ''} ${outcome.message ?? ''}`);
  return outcome.data as T;
}

/** What /v1/verify says about a value on one instance. */
export async function verifyOn(
  instance: TestInstance,
  token: string,
  where: { endpointId?: string; method?: string } = {},
): Promise<{ valid: boolean; reason: string | null }> {
  const response = await fetch(`${instance.url}/v1/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${instance.adminToken}` },
    body: JSON.stringify({ token, ...where }),
  });
  return (await response.json()) as { valid: boolean; reason: string | null };
}

/** Raw SQL on the shared database (PostgreSQL), `?` placeholders. */
export async function sql<T = Record<string, unknown>>(instance: TestInstance, query: string, params: unknown[] = []): Promise<T[]> {
  const connection = instance.server.orm.em.fork().getConnection() as unknown as { execute(q: string, p: unknown[]): Promise<T[]> };
  return connection.execute(query, params);
}

export function placeholders(values: readonly unknown[]): string {
  return values.length === 0 ? 'null' : values.map(() => '?').join(', ');
}

/** `ok`, a code (`NOT_FOUND`), or a code with its reason (`CONFLICT:ALREADY_REVOKED`). */
export type Expected = 'ok' | string;

export function matches(outcome: Outcome, expected: Expected): boolean {
  if (expected === 'ok') return outcome.ok;
  if (outcome.ok) return false;
  const [code, reason] = expected.split(':');
  return outcome.code === code && (reason === undefined || outcome.reason === reason);
}

export function describeOutcome(outcome: Outcome): string {
  return outcome.ok ? 'ok' : `${outcome.code}${outcome.reason ? `:${outcome.reason}` : ''}`;
}

/** A value handed out (or held before), and whether it must verify afterwards. */
export interface ValueExpectation {
  what: string;
  value: string;
  where?: { endpointId?: string; method?: string };
  valid: boolean;
}

/** What one serial order of the two mutations produces. */
export interface Serial {
  results: [Expected, Expected];
  /** Event types of the watched tokens/subjects, in commit order. */
  events: string[];
  /** Audit entries written by the two (default: one per event). */
  audits?: number;
  values: ValueExpectation[];
  /** Token whose `start` must be that of `value` (the current value). */
  current?: { tokenId: string; value: string };
  /** Further facts of this order: each returns a mismatch, or null. */
  facts?: (() => Promise<string | null>)[];
}
