import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext, Role } from '../../core/auth/auth-context';
import { TEACHER_SCOPE, type TeacherScope } from '../../core/auth/teacher-scope.port';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { ApiKeyService } from '../auth/api-key.service';
import { AuditService } from '../audit/audit.service';
import { StreamGuard } from '../event/stream-guard.service';
import { PLATFORM_SETTINGS } from './dto/tenant.dto';
import { LimitsService } from './limits/limits.service';
import { PLATFORM_PLUGINS, type PlatformPlugins } from './platform-plugins.port';
import { TenantRepository } from './tenant.repository';
import { USER_DELETION_LISTENER, type UserDeletionListener } from './user-deletion.port';

export interface TenantSettings {
  /** Sharing of sessions through public links (off unless true). */
  shareAllowed?: boolean;
  /** Share links show tool calls, outputs and errors too (off unless true). */
  shareDetails?: boolean;
  /** Platform-wide provider keys from the environment may be used by this tenant. */
  envProviderKeys?: boolean;
  /** What deleting a user does to their data. */
  userDeletion?: 'delete' | 'anonymise';
  /** Network inside the bash sandbox. */
  bashNetwork?: boolean;
  /** Teachers may change their students' workspaces (default: read only). */
  teacherWrites?: boolean;
  /** Executables local MCP servers may start. */
  mcpCommands?: string[];
  /** Days sessions, workspaces and usage are kept (null: kept). */
  retentionDays?: number | null;
  /** Shown with every agent's first answer of a session. */
  aiDisclosure?: string | null;
  /** The platform's plugins turned on or off for this school (absent: on). */
  plugins?: Record<string, boolean>;
}

/** Schools (tenants), their users and keys. */
@Injectable()
export class TenantService {
  constructor(
    private readonly repo: TenantRepository,
    private readonly keys: ApiKeyService,
    private readonly audit: AuditService,
    @Inject(USER_DELETION_LISTENER) private readonly deletion: UserDeletionListener,
    @Inject(TEACHER_SCOPE) private readonly teachers: TeacherScope,
    private readonly streams: StreamGuard,
    private readonly limits: LimitsService,
    @Inject(PLATFORM_PLUGINS) private readonly plugins: PlatformPlugins,
  ) {}

  /** A school names only the platform's plugins, each on or off: anything else is a 400, nothing written. */
  private checkPlugins(settings: TenantSettings | undefined): void {
    if (!settings?.plugins) return;
    const known = new Set(this.plugins.names());
    for (const [name, on] of Object.entries(settings.plugins)) {
      if (!known.has(name))
        throw new BadRequestError(`Unknown plugin: ${name}`, { plugin: name, known: [...known] }, 'unknown_plugin');
      if (typeof on !== 'boolean') throw new BadRequestError(`plugins.${name} must be true or false`, { plugin: name });
    }
  }

  async createTenant(
    input: {
      name: string;
      slug: string;
      timezone?: string;
      settings?: TenantSettings;
      admin: { name: string; email?: string };
    },
    opts: { key?: string; platformAdmin?: boolean } = {},
  ) {
    this.checkPlugins(input.settings);
    if (await this.repo.findTenantBySlug(input.slug))
      throw new ConflictError('ConflictError', `Tenant slug already in use: ${input.slug}`);
    const tenant = await this.repo.createTenant({
      id: newId('tenant'),
      slug: input.slug,
      name: input.name,
      timezone: input.timezone,
      settings: (input.settings ?? {}) as object,
    });
    const admin = await this.repo.createUser({
      id: newId('user'),
      tenantId: tenant.id,
      name: input.admin.name,
      email: input.admin.email,
      role: 'admin',
      platformAdmin: opts.platformAdmin ?? false,
    });
    const { key } = await this.keys.issue(tenant.id, admin.id, 'initial admin key', { key: opts.key });
    return { tenant, admin, key };
  }

  listTenants() {
    return this.repo.listTenants();
  }

  async getTenant(id: string) {
    const tenant = isId('tenant', id) ? await this.repo.findTenant(id) : null;
    if (!tenant) throw new NotFoundError(`Tenant not found: ${id}`);
    return tenant;
  }

  /** The caller's own tenant. */
  currentTenant(auth: AuthContext) {
    return this.getTenant(auth.tenantId);
  }

  /**
   * A school admin changes their own school's settings; the platform's settings (provider keys from the
   * environment, sandbox network, MCP executables) stay the platform administrator's: 403, nothing written.
   */
  async updateCurrentTenant(auth: AuthContext, input: { settings?: TenantSettings }) {
    const denied = PLATFORM_SETTINGS.filter((k) => input.settings?.[k] !== undefined);
    if (denied.length && !auth.platformAdmin)
      throw new ForbiddenError(`Only a platform administrator sets ${denied.join(', ')}`, 'platform_setting');
    const tenant = await this.updateTenant(auth.tenantId, input);
    await this.audit.record(auth, 'tenant.settings', auth.tenantId, {
      keys: Object.keys(input.settings ?? {}).filter((k) => input.settings?.[k as keyof TenantSettings] !== undefined),
    });
    return tenant;
  }

  async updateTenant(id: string, input: { name?: string; timezone?: string; settings?: TenantSettings }) {
    if (!isId('tenant', id)) throw new NotFoundError(`Tenant not found: ${id}`);
    this.checkPlugins(input.settings);
    // DTO instances carry unset fields as undefined; the merge into the stored settings happens in Postgres.
    const settings = input.settings
      ? Object.fromEntries(Object.entries(input.settings).filter(([, v]) => v !== undefined))
      : undefined;
    const updated = await this.repo.updateTenant(id, { name: input.name, timezone: input.timezone, settings });
    if (!updated) throw new NotFoundError(`Tenant not found: ${id}`);
    // Sharing turned off closes the school's open share streams.
    if (settings) this.streams.announce(id, { reason: 'tenant.settings' });
    return updated;
  }

  async deleteTenant(auth: AuthContext, id: string) {
    if (id === auth.tenantId) throw new ForbiddenError('A platform administrator cannot delete their own tenant');
    if (!(await this.repo.deleteTenant(id))) throw new NotFoundError(`Tenant not found: ${id}`);
    this.streams.announce(id, { reason: 'tenant.deleted' });
    await this.deletion.afterTenantDeleted(id);
    return true;
  }

  /** Admins list the school; a teacher lists themselves and the students of the classes they teach. */
  async listUsers(auth: AuthContext, role?: Role) {
    if (auth.role === 'admin' || auth.platformAdmin) return this.repo.listUsers(auth.tenantId, { role });
    const ids = [auth.userId, ...(await this.teachers.watchedUserIds(auth))];
    return this.repo.listUsers(auth.tenantId, { role, ids });
  }

  async getUser(auth: AuthContext, id: string) {
    const user = isId('user', id) ? await this.repo.findUser(auth.tenantId, id) : null;
    if (!user) throw new NotFoundError(`User not found: ${id}`);
    return user;
  }

  createUser(auth: AuthContext, input: { name: string; email?: string; role: Role; externalId?: string }) {
    return this.repo.createUser({ id: newId('user'), tenantId: auth.tenantId, ...input });
  }

  /**
   * The admin hierarchy: a school admin may share a tenant with a platform administrator (the platform's own
   * tenant), but never acts on one — no keys for them, no update, demotion, deletion or key revocation.
   */
  private assertMayManage(auth: AuthContext, target: { platformAdmin: boolean }): void {
    if (target.platformAdmin && !auth.platformAdmin)
      throw new ForbiddenError('Platform administrators are managed by platform administrators only', 'platform_admin');
  }

  async updateUser(auth: AuthContext, id: string, input: { name?: string; email?: string; role?: Role }) {
    this.assertMayManage(auth, await this.getUser(auth, id));
    if (id === auth.userId && input.role && input.role !== 'admin')
      throw new ForbiddenError('You cannot demote yourself');
    const updated = (await this.repo.updateUser(auth.tenantId, id, input))!;
    if (input.role) this.streams.announce(auth.tenantId, { reason: 'user.updated', userId: id });
    return updated;
  }

  async deleteUser(auth: AuthContext, id: string) {
    if (id === auth.userId) throw new ForbiddenError('You cannot delete yourself');
    if (isId('user', id)) {
      const target = await this.repo.findUser(auth.tenantId, id);
      if (target) this.assertMayManage(auth, target);
    }
    if (!(isId('user', id) && (await this.repo.softDeleteUser(auth.tenantId, id))))
      throw new NotFoundError(`User not found: ${id}`);
    this.keys.forgetCached();
    this.streams.announce(auth.tenantId, { reason: 'user.deleted', userId: id });
    await this.deletion.afterUserDeleted(auth, id);
    return true;
  }

  async issueKey(auth: AuthContext, input: { name: string; userId?: string; expiresAt?: Date }) {
    const userId = input.userId ?? auth.userId;
    if (userId !== auth.userId && auth.role !== 'admin')
      throw new ForbiddenError('Only tenant administrators create keys for others');
    this.assertMayManage(auth, await this.getUser(auth, userId));
    const { apiKeysPerUser } = await this.limits.of(auth.tenantId);
    const { key, record } = await this.keys.issue(auth.tenantId, userId, input.name, {
      expiresAt: input.expiresAt,
      maxActive: apiKeysPerUser,
    });
    await this.audit.record(auth, 'key.create', record.id, { userId, name: input.name });
    return { ...record, key };
  }

  listKeys(auth: AuthContext, userId?: string) {
    return this.keys.list(auth, auth.role === 'admin' ? userId : auth.userId);
  }

  async revokeKey(auth: AuthContext, id: string) {
    const key = isId('key', id) ? await this.keys.find(auth, id) : null;
    if (!key || (auth.role !== 'admin' && key.userId !== auth.userId))
      throw new NotFoundError(`API key not found: ${id}`);
    if (key.userId !== auth.userId)
      this.assertMayManage(auth, await this.getUser(auth, key.userId).catch(() => ({ platformAdmin: false })));
    await this.audit.record(auth, 'key.revoke', id, { userId: key.userId });
    const revoked = await this.keys.revoke(auth, id);
    this.streams.announce(auth.tenantId, { reason: 'key.revoked', keyId: id, userId: key.userId });
    return revoked;
  }
}
