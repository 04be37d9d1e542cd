import { conflictIfUnique } from '../../core/db/unique';
import { systemActor, type Actor } from '../../core/actor';
import type { Tx } from '../../core/events/outbox';
import { newId } from '../../core/ids';
import { Role } from '../../core/tokens/token-kind';
import type { CoreDeps } from '../../deps';
import { isPostgres } from '../../core/db/orm';
import { takeStartupLock } from '../../core/db/startup-lock';
import { TokenSecret } from '../../core/tokens/token.entity';
import { BootstrapValue, Tenant, User } from './user.entity';
import { UserErrors } from './user.errors';
import { BOOTSTRAP_TOKEN_NAME } from './users.migration';

export interface NewUser {
  email: string;
  name: string;
  role: Role;
}

/** Issues a user's first personal access token inside the user's creation. */
export type FirstTokenIssuer = (tx: Tx, user: User, options: { name: string; presetValue?: string; neverExpires?: boolean }) => Promise<string>;

export interface NewTenantWithAdmin {
  tenantName: string;
  adminEmail: string;
  adminName: string;
  presetValue?: string;
}

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
      throw conflictIfUnique(error, () => UserErrors.emailTaken(input.email));
    }
  }

  private addUser(tx: Tx, tenantId: string, input: NewUser): User {
    return tx.em.create(User, { id: newId('usr'), tenantId, email: input.email, name: input.name, role: input.role, createdAt: tx.now, updatedAt: tx.now });
  }

  /**
   * Creates a tenant with an administrator holding a non-expiring token (`presetValue` when
   * given). Used by the first-start bootstrap and by operators' scripts.
   */
  async createTenantWithAdmin(options: NewTenantWithAdmin): Promise<{ tenant: Tenant; admin: User; secret: string }> {
    const tenantId = newId('ten');
    return this.deps.lifecycle.run(bootstrapActor(tenantId), (tx) => this.addTenantWithAdmin(tx, tenantId, options));
  }

  private async addTenantWithAdmin(tx: Tx, tenantId: string, options: NewTenantWithAdmin): Promise<{ tenant: Tenant; admin: User; secret: string }> {
    const tenant = tx.em.create(Tenant, { id: tenantId, name: options.tenantName, createdAt: tx.now });
    // Users reference tenants by id only, so the unit of work cannot order these inserts itself.
    await tx.em.flush();
    const admin = this.addUser(tx, tenantId, { email: options.adminEmail, name: options.adminName, role: Role.ADMIN });
    tx.audit('tenant.create', { type: 'Tenant', id: tenant.id, name: tenant.name });
    const secret = await this.issueBootstrapToken(tx, admin, options.presetValue);
    return { tenant, admin, secret };
  }

  /** Issues an administrator's never-expiring token and records its value as issued, for good. */
  private async issueBootstrapToken(tx: Tx, admin: User, presetValue: string | undefined): Promise<string> {
    const secret = await this.issueFirstToken(tx, admin, { name: BOOTSTRAP_TOKEN_NAME, presetValue, neverExpires: true });
    tx.em.create(BootstrapValue, { lookupHash: this.deps.box.hash(secret), issuedAt: tx.now });
    return secret;
  }

  /**
   * The first-start bootstrap, run by every instance at start, under the startup lock
   * (core/db/startup-lock) so that instances starting at once on one database do it once:
   * - on an empty database: a "Default" tenant and an administrator with a never-expiring token,
   *   the operator-chosen `presetValue` or a generated one (returned, to print once);
   * - with `presetValue` on a database that has tenants: a value never issued before is issued
   *   to the oldest administrator (for compose files and scripts that set the value on an
   *   existing database; the tokens that administrator already has are left as they are);
   *   a value issued before is NEVER issued again: once its token is revoked, regenerated or
   *   deleted it stays invalid, and each start says so in one warning (no value in it).
   *
   * Every bootstrap value issued is recorded in `bootstrap_values` (by its lookup hash), which
   * token deletion does not touch: that is what keeps a deleted value from rising again.
   */
  async bootstrap(presetValue?: string): Promise<BootstrapResult> {
    const tenantId = newId('ten');
    const outcome = await this.deps.lifecycle.run(bootstrapActor(tenantId), async (tx): Promise<BootstrapResult & { retired?: boolean }> => {
      await takeStartupLock(tx.em, isPostgres(this.deps.orm));
      if ((await tx.em.count(Tenant, {})) === 0) {
        const { secret } = await this.addTenantWithAdmin(tx, tenantId, {
          tenantName: 'Default',
          adminEmail: 'admin@localhost',
          adminName: 'Administrator',
          presetValue,
        });
        return { created: true, generatedToken: presetValue ? undefined : secret };
      }
      if (!presetValue) return { created: false };
      const lookupHash = this.deps.box.hash(presetValue);
      const recorded = await tx.em.findOne(BootstrapValue, { lookupHash });
      const held = await tx.em.findOne(TokenSecret, { hash: lookupHash }, { populate: ['token'] });
      if (recorded || held) {
        // Issued before (recorded, or still held by a token from before these records were
        // kept): never again. Only whether it still works is looked at.
        const record = recorded ?? tx.em.create(BootstrapValue, { lookupHash, issuedAt: held?.createdAt ?? tx.now });
        if (held && this.works(held, tx.now)) return { created: false };
        record.retiredAt ??= tx.now;
        return { created: false, retired: true };
      }
      const [admin] = await tx.em.find(User, { role: Role.ADMIN }, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: 1 });
      if (admin) await this.issueBootstrapToken(tx, admin, presetValue);
      return { created: false };
    });
    if (outcome.retired) {
      this.deps.logger.warn(
        { component: 'bootstrap' },
        'the bootstrap admin token was revoked or deleted; it stays invalid — unset TESSERA_BOOTSTRAP_ADMIN_TOKEN or use another admin',
      );
    }
    return { created: outcome.created, generatedToken: outcome.generatedToken };
  }

  /** Whether a stored value still lets its token in (not revoked, disabled, expired or replaced). */
  private works(secret: TokenSecret, now: Date): boolean {
    const token = secret.token;
    if (secret.validUntil && secret.validUntil <= now) return false;
    return !token.revokedAt && !token.disabledAt && (!token.expiresAt || token.expiresAt > now);
  }
}

/** Tessera acting for the bootstrap. */
function bootstrapActor(tenantId: string): Actor {
  return systemActor(tenantId, 'bootstrap');
}
