import { EndpointKind } from './endpoint.kinds';
import type { CoreDeps } from '../../deps';
import { newId } from '../../core/ids';

import { VerifyReason, type TokenSnapshot, type VerifyResult } from '../../verify';
import { Endpoint, EndpointAuthentication, EndpointCall, EndpointCallOutcome, HttpMethod } from './endpoint.entity';

/** The largest POSTed JSON an endpoint keeps, in bytes; larger bodies are refused with 413. */
export const MAX_ENDPOINT_BODY_BYTES = 64 * 1024;

/** Kinds of token an endpoint may accept. */
const ENDPOINT_KINDS = new Set<string>([EndpointKind.ENDPOINT_PRIMARY, EndpointKind.ENDPOINT_SECONDARY]);

/**
 * What the caller is told when the token it presented is not one of this endpoint's: unknown,
 * malformed, another tenant's, another kind, or not assigned here all read alike, so the answer
 * says nothing about tokens the caller does not already hold for this endpoint.
 */
export const NOT_THIS_ENDPOINTS_TOKEN = VerifyReason.UNKNOWN;

/** Whether `token` is one of `endpoint`'s own: its primary token, or a secondary token assigned to it. */
function belongsTo(token: TokenSnapshot, endpoint: Endpoint): boolean {
  if (token.tenantId !== endpoint.tenantId || !ENDPOINT_KINDS.has(token.kind)) return false;
  if (token.kind === EndpointKind.ENDPOINT_PRIMARY) return token.subjectId === endpoint.id;
  const assignments = token.extra.assignments as Record<string, unknown> | undefined;
  return assignments !== undefined && Object.prototype.hasOwnProperty.call(assignments, endpoint.id);
}

/** What the ingress decided about a call, before its body is read. */
export interface Admission {
  endpoint: Endpoint;
  method: string;
  outcome: EndpointCallOutcome;
  statusCode: number;
  /** What the caller is told (see {@link NOT_THIS_ENDPOINTS_TOKEN}). */
  reason: string | null;
  /** What the endpoint's owner sees in the data viewer: the true reason (a verification reason, MISSING_TOKEN or WRONG_KIND). */
  recordedReason: string | null;
  tokenId: string | null;
  tokenName: string | null;
}

export interface CallRecord {
  outcome: EndpointCallOutcome;
  statusCode: number;
  reason?: string | null;
  payloadSize: number;
  body?: unknown;
}

/**
 * The rules of `GET|POST|DELETE /endpoints/{path}`: which endpoint a call reaches and whether
 * it may. Tokens are judged by the one verifier (cached, evicted on every change).
 */
export class EndpointIngress {
  constructor(private readonly deps: CoreDeps) {}

  /**
   * A path names one endpoint of the installation (paths are unique across tenants), so a call
   * reaches exactly that endpoint or none. A token that is not one of this endpoint's (unknown,
   * malformed, another tenant's, another kind, not assigned here) is answered alike: 401
   * {@link NOT_THIS_ENDPOINTS_TOKEN}. Only a token of this endpoint hears why it is refused
   * (WRONG_METHOD, DISABLED, REVOKED, EXPIRED: 403). Null: no endpoint receives there.
   */
  async admit(path: string, method: string, tokenValue: string | null): Promise<Admission | null> {
    const endpoint = await this.deps.orm.em.fork().findOne(Endpoint, { path });
    if (!endpoint) return null;
    let verdict: VerifyResult | null = null;
    if (tokenValue) {
      // Asked as the endpoint's tenant: another tenant's value is UNKNOWN and not stamped as used.
      verdict = await this.deps.verifier.verify(tokenValue, { endpointId: endpoint.id, method, tenantId: endpoint.tenantId });
    }
    const known = verdict?.token ?? null;
    const base = { endpoint, method, tokenId: known?.tokenId ?? null, tokenName: known?.name ?? null };
    const decide = (outcome: EndpointCallOutcome, statusCode: number, reason: string | null, recordedReason = reason): Admission => ({
      ...base,
      outcome,
      statusCode,
      reason,
      recordedReason,
    });

    const allowed = method === HttpMethod.GET || method === HttpMethod.POST || (method === HttpMethod.DELETE && endpoint.allowDelete);
    if (!allowed) return decide(EndpointCallOutcome.METHOD_NOT_ALLOWED, 405, 'METHOD_NOT_ALLOWED');
    if (endpoint.authentication === EndpointAuthentication.NONE) return decide(EndpointCallOutcome.ACCEPTED, 200, null);
    if (!verdict) return decide(EndpointCallOutcome.UNAUTHENTICATED, 401, 'MISSING_TOKEN');
    if (!known || !belongsTo(known, endpoint)) {
      let recorded: string = verdict.reason === VerifyReason.MALFORMED ? VerifyReason.MALFORMED : NOT_THIS_ENDPOINTS_TOKEN;
      // `known` is of this endpoint's tenant (the verifier was asked as that tenant).
      if (known) recorded = ENDPOINT_KINDS.has(known.kind) ? VerifyReason.NOT_ASSIGNED : 'WRONG_KIND';
      return decide(EndpointCallOutcome.UNAUTHENTICATED, 401, NOT_THIS_ENDPOINTS_TOKEN, recorded);
    }
    if (!verdict.valid) return decide(EndpointCallOutcome.FORBIDDEN, 403, verdict.reason);
    return decide(EndpointCallOutcome.ACCEPTED, 200, null);
  }

  /** Records a call as it ended (the data viewer reads these). */
  async record(admission: Admission, record: CallRecord): Promise<EndpointCall> {
    const em = this.deps.orm.em.fork();
    const call = em.create(EndpointCall, {
      id: newId('ecl'),
      tenantId: admission.endpoint.tenantId,
      endpointId: admission.endpoint.id,
      method: admission.method,
      tokenId: admission.tokenId,
      tokenName: admission.tokenName,
      outcome: record.outcome,
      reason: record.reason ?? null,
      statusCode: record.statusCode,
      payloadSize: record.payloadSize,
      body: record.body === undefined ? null : record.body,
      receivedAt: this.deps.clock.now(),
    });
    await em.flush();
    return call;
  }
}
