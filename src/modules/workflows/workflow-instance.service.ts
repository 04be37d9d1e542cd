import { WorkflowKind } from './workflow.kinds';
import type { Actor } from '../../core/actor';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import { AppError } from '../../core/errors';
import { newId } from '../../core/ids';
import { Role } from '../../core/tokens/token-kind';
import type { CoreDeps } from '../../deps';
import { requireScope } from '../../core/auth/scopes';
import { VerifyReason } from '../../verify';
import { Workflow, WorkflowInstance, WorkflowStartEvent } from './workflow.entity';
import { WorkflowErrors as Errors } from './workflow.errors';
import { WORKFLOW_MANAGERS, WORKFLOW_SUBJECT, type WorkflowService } from './workflow.service';
import { UnsafeStoredSchema } from './request-schema';

/** Roles whose personal access or app tokens may start workflows over `Authorization: Bearer`. */
export const WORKFLOW_STARTERS = [Role.ADMIN, Role.AUTOMATION_ADMIN, Role.DEVELOPER];

/** What a start request presented. */
export interface StartCredentials {
  /** The workflow's own token (`X-Tessera-Token` or `?token=`). */
  workflowToken?: string | null;
  /** A personal access token or app access token (`Authorization: Bearer`). */
  bearer?: string | null;
}

/** Who is starting a workflow, once verified. */
export interface Starter {
  tenantId: string;
  tokenId: string;
  type: 'workflow_token' | 'user' | 'app';
  id: string | null;
}

/** External starts of component workflows and the record of what was started, by which token. */
export class WorkflowInstanceService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly workflows: WorkflowService,
  ) {}

  /**
   * Verifies what a start request presented, through the one verifier: a workflow token must
   * be one of THIS workflow; a bearer token must act as someone whose role may start workflows.
   * UNAUTHENTICATED or FORBIDDEN otherwise. Only this workflow's own token hears why it is
   * refused (REVOKED, EXPIRED, DISABLED); any other value (unknown, another workflow's or
   * tenant's, another kind, a bearer that cannot call the API) reads UNKNOWN, so the answer
   * tells nothing about tokens the caller does not hold for this workflow. MALFORMED says only
   * that the value has no token's shape.
   */
  async authenticate(workflowId: string, credentials: StartCredentials): Promise<Starter> {
    const opaque = (reason: VerifyReason | null) => (reason === VerifyReason.MALFORMED ? VerifyReason.MALFORMED : VerifyReason.UNKNOWN);
    if (credentials.workflowToken) {
      const result = await this.deps.verifier.verify(credentials.workflowToken);
      const token = result.token;
      const ours = token !== null && token.kind === WorkflowKind.WORKFLOW && token.subjectType === WORKFLOW_SUBJECT && token.subjectId === workflowId;
      if (!ours) throw Errors.startUnauthenticated(opaque(result.reason));
      if (!result.valid) throw Errors.startUnauthenticated(result.reason ?? VerifyReason.UNKNOWN);
      return { tenantId: token.tenantId, tokenId: token.tokenId, type: 'workflow_token', id: null };
    }
    if (credentials.bearer) {
      const { principal, result } = await this.deps.verifier.authenticate(credentials.bearer);
      if (!principal || !result.token) throw Errors.startUnauthenticated(opaque(result.reason));
      if (!WORKFLOW_STARTERS.includes(principal.role)) throw Errors.startForbidden();
      requireScope(principal, 'startWorkflows');
      return { tenantId: principal.tenantId, tokenId: result.token.tokenId, type: principal.type, id: principal.id };
    }
    throw Errors.startUnauthenticated('MISSING');
  }

  /** Records an instance of a component workflow of the starter's tenant, its body checked against the request schema. */
  async start(starter: Starter, workflowId: string, body: unknown): Promise<WorkflowInstance> {
    const em = this.deps.orm.em.fork();
    const workflow = await em.findOne(Workflow, { id: workflowId, tenantId: starter.tenantId });
    if (!workflow) throw Errors.notFound(workflowId);
    if (workflow.startEvent !== WorkflowStartEvent.COMPONENT) throw Errors.notAComponent(workflowId);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw Errors.bodyNotAnObject();
    if (workflow.requestSchema) {
      let problem: string | null;
      try {
        problem = await this.workflows.schemas.check(workflow.requestSchema, body);
      } catch (error) {
        if (error instanceof UnsafeStoredSchema) throw Errors.storedSchemaUnsafe(error.message);
        throw error;
      }
      if (problem) throw Errors.bodyInvalid(problem);
    }
    const instance = em.create(WorkflowInstance, {
      id: newId('wfi'),
      tenantId: workflow.tenantId,
      workflowId: workflow.id,
      tokenId: starter.tokenId,
      startedByType: starter.type,
      startedById: starter.id,
      body: body as Record<string, unknown>,
      createdAt: this.deps.clock.now(),
    });
    await em.flush();
    return instance;
  }

  /** What was started of a workflow, newest first. */
  async list(actor: Actor, workflowId: string, request: PageRequest): Promise<Page<WorkflowInstance>> {
    if (!actor.role || !WORKFLOW_MANAGERS.includes(actor.role)) throw AppError.forbidden();
    const em = this.deps.orm.em.fork();
    const workflow = await em.findOne(Workflow, { id: workflowId, tenantId: actor.tenantId });
    if (!workflow) throw Errors.notFound(workflowId);
    return paginate(em, WorkflowInstance, { workflowId: workflow.id, tenantId: actor.tenantId }, request);
  }
}
