import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { Actor } from '../../core/actor';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';
import { Role } from '../../core/tokens/token-kind';
import type { CoreDeps } from '../../deps';
import { Tenant, User } from './user.entity';
import { UserErrors } from './user.errors';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
}

/** Issues a user's first personal access token inside the user's creation. */
export type FirstTokenIssuer = (tx: Tx, user: User, options: { name: string; presetValue?: string; neverExpires?: boolean }) => Promise<string>;

export interface BootstrapResult {
  created: boolean;
  /** The generated administrator token, when one was generated (printed once). */
  generatedToken?: string;
}

/** Tenants and users: creation, lookup, the first-start bootstrap. */
export class UserService {
  constructor(
    private readonly deps: CoreDeps,
    private readonly issueFirstToken: FirstTokenIssuer,
  ) {}

  async findUser(tenantId: string, id: string): Promise<User | null> {
    return this.deps.orm.em.fork().findOne(User, { id, tenantId });
  }

  async findTenant(id: string): Promise<Tenant | null> {
    return this.deps.orm.em.fork().findOne(Tenant, { id });
  }

  async usersByIds(ids: readonly string[]): Promise<Map<string, User>> {
    const users = await this.deps.orm.em.fork().find(User, { id: { $in: [...ids] } });
    return new Map(users.map((user) => [user.id, user]));
  }

  /** Creates a user of the actor's tenant with a first 7-day token; CONFLICT on a taken email. */
  async createUser(actor: Actor, input: NewUser): Promise<{ user: User; secret: string }> {
    try {
      return await this.deps.lifecycle.run(actor, async (tx) => {
        const email = input.email.toLowerCase();
        if (await tx.em.count(User, { tenantId: actor.tenantId, email })) throw UserErrors.emailTaken(email);
        const user = this.addUser(tx, actor.tenantId, { ...input, email });
        tx.audit('user.create', { type: 'User', id: user.id, name: user.name }, { role: user.role });
        const secret = await this.issueFirstToken(tx, user, { name: 'First token' });
        return { user, secret };
      });
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw UserErrors.emailTaken(input.email);
      throw error;
    }
  }

  private addUser(tx: Tx, tenantId: string, input: NewUser): User {
    return tx.em.create(User, { id: newId('usr'), tenantId, email: input.email, name: input.name, role: input.role, createdAt: tx.now, updatedAt: tx.now });
  }

  /**
   * Creates a tenant with an administrator holding a non-expiring token (`presetValue` when
   * given). Used by the first-start bootstrap and by operators' scripts.
   */
  async createTenantWithAdmin(options: { tenantName: string; adminEmail: string; adminName: string; presetValue?: string }): Promise<{ tenant: Tenant; admin: User; secret: string }> {
    const tenantId = newId('ten');
    const actor: Actor = { type: 'system', id: null, name: 'bootstrap', tenantId, role: null };
    return this.deps.lifecycle.run(actor, async (tx) => {
      const tenant = tx.em.create(Tenant, { id: tenantId, name: options.tenantName, createdAt: tx.now });
      // Users reference tenants by id only, so the unit of work cannot order these inserts itself.
      await tx.em.flush();
      const admin = this.addUser(tx, tenantId, { email: options.adminEmail, name: options.adminName, role: Role.ADMIN });
      tx.audit('tenant.create', { type: 'Tenant', id: tenant.id, name: tenant.name });
      const secret = await this.issueFirstToken(tx, admin, { name: 'Bootstrap administrator token', presetValue: options.presetValue, neverExpires: true });
      return { tenant, admin, secret };
    });
  }

  /**
   * On an empty database: a tenant and an administrator. With an operator-chosen token, that
   * exact value is made to exist on every start (idempotent), for compose files and scripts.
   */
  async bootstrap(presetValue?: string): Promise<BootstrapResult> {
    const em = this.deps.orm.em.fork();
    const tenants = await em.count(Tenant, {});
    if (tenants === 0) {
      const { secret } = await this.createTenantWithAdmin({ tenantName: 'Default', adminEmail: 'admin@localhost', adminName: 'Administrator', presetValue });
      return { created: true, generatedToken: presetValue ? undefined : secret };
    }
    if (presetValue) {
      const known = await this.deps.verifier.verify(presetValue);
      if (!known.token) {
        const [admin] = await em.find(User, { role: Role.ADMIN }, { orderBy: { createdAt: 'asc' }, limit: 1 });
        if (admin) {
          const actor: Actor = { type: 'system', id: null, name: 'bootstrap', tenantId: admin.tenantId, role: null };
          await this.deps.lifecycle.run(actor, (tx) => this.issueFirstToken(tx, admin, { name: 'Bootstrap administrator token', presetValue, neverExpires: true }));
        }
      }
    }
    return { created: false };
  }
}
