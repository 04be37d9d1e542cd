import { WorkflowKind } from './workflow.kinds';
import type { EntityManager, FilterQuery } from '@mikro-orm/core';
import { conflictIfUnique } from '../../core/db/unique';
import type { Actor } from '../../core/actor';
import { DAY, HOUR } from '../../core/clock';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { AppError } from '../../core/errors';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';
import { Role, TokenStatus } from '../../core/tokens/token-kind';
import { statusFilter, tokenStatus } from '../../core/tokens/token-status';
import { TOKEN_FIELD_PROPERTIES, TokenRecord } from '../../core/tokens/token.entity';
import type { CoreDeps } from '../../deps';
import { RequestSchemas } from './request-schema';
import { exampleOf } from './request-example';
import { Workflow, WorkflowStartEvent } from './workflow.entity';
import { WorkflowErrors as Errors } from './workflow.errors';
import type { ListedWorkflowToken } from './workflow.type';

/** A workflow token lives a year from its issue, refresh or regeneration. */
export const WORKFLOW_TOKEN_LIFETIME_MS = 365 * DAY;
/** After a regeneration, the previous value keeps working this long. */
export const WORKFLOW_TOKEN_GRACE_MS = 24 * HOUR;
/** The roles that manage workflows and their tokens. */
export const WORKFLOW_MANAGERS = [Role.ADMIN, Role.AUTOMATION_ADMIN];
/** The token records of workflows point at them with this subject type. */
export const WORKFLOW_SUBJECT = 'workflow';
/** The largest request schema accepted, serialized. */
const MAX_SCHEMA_CHARS = 64 * 1024;

export interface PublishWorkflow {
  name: string;
  startEvent: WorkflowStartEvent;
  requestSchema?: Record<string, unknown> | null;
}

export interface PublishedWorkflow {
  workflow: Workflow;
  /** The current token: kept on a republish, created when there was none; null for STANDARD. */
  token: TokenRecord | null;
  /** The value, only when this publish created the token. */
  secret: string | null;
}

export interface RegeneratedWorkflowToken {
  token: TokenRecord;
  secret: string;
  /** When the previous value stops working; null when it stopped at once (it was not usable). */
  graceEndsAt: Date | null;
}

/** What the "API endpoints" view shows for a workflow: everything a curl call needs. */
export interface WorkflowApiEndpoint {
  url: string;
  urlWithToken: string;
  token: string | null;
  requestHeaders: { name: string; value: string }[];
  requestBody: string;
  curl: string;
}

/** Stands in for the value where it is not revealed. */
export const TOKEN_PLACEHOLDER = '<workflow-token>';

/**
 * Workflows and their tokens: publishing (which creates a COMPONENT workflow's token), the
 * token's lifecycle (refresh, revoke, regenerate with a grace, delete) and the lists. Every
 * change runs in one lifecycle transaction with its event and audit entry.
 */
export class WorkflowService {
  readonly schemas = new RequestSchemas();

  constructor(private readonly deps: CoreDeps) {}

  private requireManager(actor: Actor): void {
    if (!actor.role || !WORKFLOW_MANAGERS.includes(actor.role)) throw AppError.forbidden();
  }

  private termFrom(now: Date): Date {
    return new Date(now.getTime() + WORKFLOW_TOKEN_LIFETIME_MS);
  }

  /** Publishes a workflow, or republishes the one of that name in the actor's tenant. */
  async publish(actor: Actor, input: PublishWorkflow): Promise<PublishedWorkflow> {
    this.requireManager(actor);
    const requestSchema = input.requestSchema ?? null;
    if (requestSchema) {
      if (JSON.stringify(requestSchema).length > MAX_SCHEMA_CHARS) throw Errors.invalidRequestSchema(`larger than ${MAX_SCHEMA_CHARS} characters`);
      const problem = await this.schemas.problemWith(requestSchema);
      if (problem) throw Errors.invalidRequestSchema(problem);
    }
    try {
      return await this.deps.lifecycle.run(actor, async (tx) => {
        let workflow = await tx.em.findOne(Workflow, { tenantId: actor.tenantId, name: input.name });
        const republished = workflow !== null;
        if (workflow) {
          workflow.startEvent = input.startEvent;
          workflow.requestSchema = requestSchema;
          workflow.updatedAt = tx.now;
        } else {
          workflow = tx.em.create(Workflow, {
            id: newId('wfl'),
            tenantId: actor.tenantId,
            name: input.name,
            startEvent: input.startEvent,
            requestSchema,
            createdById: actor.id,
            createdAt: tx.now,
            updatedAt: tx.now,
          });
        }
        tx.audit(
          republished ? 'workflow.republished' : 'workflow.published',
          { type: 'Workflow', id: workflow.id, name: workflow.name },
          { startEvent: workflow.startEvent },
        );

        let token = await this.tokenOf(tx.em, workflow);
        let secret: string | null = null;
        if (workflow.startEvent === WorkflowStartEvent.COMPONENT && !token) {
          ({ token, secret } = await this.issueToken(tx, workflow));
        } else if (workflow.startEvent === WorkflowStartEvent.STANDARD && token) {
          // No component start event: nothing may start it from outside any more.
          await this.deps.tokens.delete(tx, token);
          token = null;
        }
        return { workflow, token, secret };
      });
    } catch (error) {
      // Two first publishes of one name raced: the loser sees the winner's workflow next time.
      throw conflictIfUnique(error, () =>
        AppError.conflict(`Workflow ${JSON.stringify(input.name)} is being published by someone else; try again.`, 'PUBLISH_RACE'),
      );
    }
  }

  private issueToken(tx: Tx, workflow: Workflow) {
    return this.deps.tokens.issue(tx, {
      kind: WorkflowKind.WORKFLOW,
      tenantId: workflow.tenantId,
      name: workflow.name,
      subjectType: WORKFLOW_SUBJECT,
      subjectId: workflow.id,
      expiresAt: this.termFrom(tx.now),
      revealable: true,
    });
  }

  /** A workflow's current token: the latest one that points at it. */
  private async tokenOf(em: EntityManager, workflow: Workflow): Promise<TokenRecord | null> {
    const [token] = await em.find(
      TokenRecord,
      { kind: WorkflowKind.WORKFLOW, tenantId: workflow.tenantId, subjectType: WORKFLOW_SUBJECT, subjectId: workflow.id },
      { orderBy: { id: 'desc' }, limit: 1 },
    );
    return token ?? null;
  }

  private async findWorkflowIn(em: EntityManager, tenantId: string, id: string): Promise<Workflow> {
    const workflow = await em.findOne(Workflow, { id, tenantId });
    if (!workflow) throw Errors.notFound(id);
    return workflow;
  }

  private async requireToken(tx: Tx, workflowId: string): Promise<{ workflow: Workflow; token: TokenRecord }> {
    const workflow = await this.findWorkflowIn(tx.em, tx.actor.tenantId, workflowId);
    const token = await this.tokenOf(tx.em, workflow);
    if (!token) throw Errors.noToken(workflowId);
    return { workflow, token };
  }

  /** A full new term from now; the value does not change. Revoked or expired tokens are regenerated instead. */
  async refresh(actor: Actor, workflowId: string): Promise<TokenRecord> {
    this.requireManager(actor);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { token } = await this.requireToken(tx, workflowId);
      const status = tokenStatus(token, tx.now, this.deps.kinds);
      if (status === TokenStatus.REVOKED || status === TokenStatus.EXPIRED) throw Errors.notRefreshable(workflowId, status);
      this.deps.tokens.refresh(tx, token, this.termFrom(tx.now));
      return token;
    });
  }

  /** Stops the token at once, every value of it (a running grace included). */
  async revoke(actor: Actor, workflowId: string): Promise<TokenRecord> {
    this.requireManager(actor);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { token } = await this.requireToken(tx, workflowId);
      if (token.revokedAt) throw Errors.alreadyRevoked(workflowId);
      this.deps.tokens.revoke(tx, token);
      return token;
    });
  }

  /**
   * A new value with a new term. A usable token's previous value keeps working for the grace;
   * a revoked or expired token is revived (its old value stays dead); a workflow whose token
   * was deleted gets a new one.
   */
  async regenerate(actor: Actor, workflowId: string): Promise<RegeneratedWorkflowToken> {
    this.requireManager(actor);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const workflow = await this.findWorkflowIn(tx.em, tx.actor.tenantId, workflowId);
      if (workflow.startEvent !== WorkflowStartEvent.COMPONENT) throw Errors.notAComponent(workflowId);
      const token = await this.tokenOf(tx.em, workflow);
      if (!token) return { ...(await this.issueToken(tx, workflow)), graceEndsAt: null };
      // The previous value keeps working for the grace only if it still worked (TokenStore decides).
      return this.deps.tokens.regenerate(tx, token, { graceMs: WORKFLOW_TOKEN_GRACE_MS, expiresAt: this.termFrom(tx.now), revealable: true });
    });
  }

  /** Deletes the token: the workflow cannot be started from outside until republished or regenerated. */
  async deleteToken(actor: Actor, workflowId: string): Promise<TokenRecord> {
    this.requireManager(actor);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const { token } = await this.requireToken(tx, workflowId);
      await this.deps.tokens.delete(tx, token);
      return token;
    });
  }

  /** The current value, decrypted for the "API endpoints" view; audited. */
  async revealToken(actor: Actor, tokenId: string): Promise<string | null> {
    this.requireManager(actor);
    return this.deps.lifecycle.run(actor, async (tx) => {
      const token = await this.deps.tokens.findOfKind(tx, WorkflowKind.WORKFLOW, tokenId, () => Errors.noToken(tokenId));
      const value = await this.deps.tokens.reveal(tx, token);
      tx.audit('workflow_token.revealed', { type: WorkflowKind.WORKFLOW, id: token.id, name: token.name });
      return value;
    });
  }

  async find(actor: Actor, id: string): Promise<Workflow> {
    this.requireManager(actor);
    return this.findWorkflowIn(this.deps.orm.em.fork(), actor.tenantId, id);
  }

  /** The tenant's workflows, newest first. */
  async list(actor: Actor, request: PageRequest): Promise<Page<Workflow>> {
    this.requireManager(actor);
    return paginate(this.deps.orm.em.fork(), Workflow, { tenantId: actor.tenantId }, request);
  }

  /** The tenant's workflow tokens (one per workflow: the current one), newest first. */
  async listTokens(actor: Actor, request: PageRequest & { status?: TokenStatus | null }): Promise<Page<ListedWorkflowToken>> {
    this.requireManager(actor);
    const where: FilterQuery<TokenRecord> = { kind: WorkflowKind.WORKFLOW, tenantId: actor.tenantId };
    if (request.status) Object.assign(where, statusFilter(WorkflowKind.WORKFLOW, request.status, this.deps.clock.now(), this.deps.kinds));
    return paginate(this.deps.orm.em.fork(), TokenRecord, where, request, 'desc', { readOnly: true, fields: [...TOKEN_FIELD_PROPERTIES, 'subjectId'] });
  }

  /** Current tokens of many workflows in one statement (list rows' nested `token`). */
  async tokensByWorkflowIds(tenantId: string, workflowIds: readonly string[]): Promise<Map<string, TokenRecord>> {
    const rows = await this.deps.orm.em
      .fork()
      .find(
        TokenRecord,
        { kind: WorkflowKind.WORKFLOW, tenantId, subjectType: WORKFLOW_SUBJECT, subjectId: { $in: [...workflowIds] } },
        { orderBy: { id: 'asc' } },
      );
    // Ascending: a later token of the same workflow overwrites an earlier one.
    return new Map(rows.map((token) => [token.subjectId ?? '', token]));
  }

  /** Workflows by id in one statement (list rows' nested `workflow`). */
  async workflowsByIds(tenantId: string, ids: readonly string[]): Promise<Map<string, Workflow>> {
    const rows = await this.deps.orm.em.fork().find(Workflow, { tenantId, id: { $in: [...ids] } });
    return new Map(rows.map((workflow) => [workflow.id, workflow]));
  }

  /** The start call, ready to paste: with the value when revealed, a placeholder otherwise. */
  apiEndpoint(workflow: Workflow, value: string | null): WorkflowApiEndpoint {
    const url = `${this.deps.config.publicUrl}/api/workflows/${encodeURIComponent(workflow.id)}/instances`;
    const shown = value ?? TOKEN_PLACEHOLDER;
    const requestBody = JSON.stringify(exampleOf(workflow.requestSchema ?? null), null, 2);
    const requestHeaders = [
      { name: 'Content-Type', value: 'application/json' },
      { name: 'X-Tessera-Token', value: shown },
    ];
    const curl = [
      `curl -X POST '${url}'`,
      ...requestHeaders.map((header) => `  -H '${header.name}: ${header.value}'`),
      `  -d '${JSON.stringify(exampleOf(workflow.requestSchema ?? null)).replace(/'/g, "'\\''")}'`,
    ].join(' \\\n');
    return { url, urlWithToken: `${url}?token=${encodeURIComponent(shown)}`, token: value, requestHeaders, requestBody, curl };
  }
}
