import type { Actor } from '../../core/actor';
import { AuditEntryRecord } from '../../core/events/audit.entity';
import { paginate, type Page, type PageRequest } from '../../core/db/paginate';
import type { CoreDeps } from '../../deps';

/** Reads the audit log (entries are written by every change, in its transaction). */
export class AuditService {
  constructor(private readonly deps: CoreDeps) {}

  async list(actor: Actor, request: PageRequest & { action?: string | null; targetId?: string | null }): Promise<Page<AuditEntryRecord>> {
    return paginate(
      this.deps.orm.em.fork(),
      AuditEntryRecord,
      {
        tenantId: actor.tenantId,
        ...(request.action ? { action: request.action } : {}),
        ...(request.targetId ? { targetId: request.targetId } : {}),
      },
      request,
    );
  }
}
