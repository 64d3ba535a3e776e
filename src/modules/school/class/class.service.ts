import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { ConflictError, NotFoundError } from '../../../core/errors/domain-error';
import { AccessService, classSettingsSchema, type ClassSettings } from '../../access/access.service';
import { isId, newId } from '../../../core/ids';
import { AuditService } from '../../audit/audit.service';
import { StreamGuard } from '../../event/stream-guard.service';
import { ClassRepository, type ClassRow, type MemberRole } from './class.repository';
import { PolicyValidator } from './policy-validator';
import type { ClassDto } from './dto/class.dto';

function toDto(row: ClassRow): ClassDto {
  return {
    id: row.id,
    name: row.name,
    created: row.createdAt.getTime(),
    members: row.members.map((m) => ({ userId: m.userId, role: m.role })),
    settings: (row.settings ?? {}) as ClassSettings,
  };
}

/** Classes: admins manage them; a teacher sees the classes they teach. Anything else is 404. */
@Injectable()
export class ClassService {
  constructor(
    private readonly classes: ClassRepository,
    private readonly audit: AuditService,
    private readonly access: AccessService,
    private readonly streams: StreamGuard,
    private readonly policies: PolicyValidator,
  ) {}

  async list(auth: AuthContext): Promise<ClassDto[]> {
    const rows = await this.classes.list(auth.tenantId, auth.role === 'admin' ? undefined : auth.userId);
    return rows.map(toDto);
  }

  async get(auth: AuthContext, id: string): Promise<ClassDto> {
    return toDto(await this.load(auth, id));
  }

  async create(auth: AuthContext, name: string): Promise<ClassDto> {
    if (await this.classes.findByName(auth.tenantId, name))
      throw new ConflictError('ConflictError', `A class named "${name}" exists`);
    const row = await this.classes.create({ id: newId('class'), tenantId: auth.tenantId, name });
    await this.audit.record(auth, 'class.create', row.id, { name });
    return toDto(row);
  }

  async rename(auth: AuthContext, id: string, name: string): Promise<ClassDto> {
    const row = await this.load(auth, id);
    if (row.name !== name && (await this.classes.findByName(auth.tenantId, name)))
      throw new ConflictError('ConflictError', `A class named "${name}" exists`);
    const updated = (await this.classes.rename(auth.tenantId, id, name))!;
    await this.audit.record(auth, 'class.update', id, { name });
    return toDto(updated);
  }

  /**
   * Admins and the class's teachers: the class can only narrow the school's rules, so its teachers may set it. PUT
   * replaces the settings; PATCH changes the keys it names (`null` removes one). Every process applies the change
   * before its next prompt (the bus).
   */
  async setSettings(auth: AuthContext, id: string, input: unknown, merge = false): Promise<ClassDto> {
    const row = await this.load(auth, id);
    const base = merge ? ((row.settings ?? {}) as Record<string, unknown>) : {};
    const patch = JSON.parse(JSON.stringify(input ?? {})) as Record<string, unknown>;
    const next = Object.fromEntries(Object.entries({ ...base, ...patch }).filter(([, v]) => v !== null));
    const settings = await this.policies.parse(auth, classSettingsSchema, next, 'class settings');
    const updated = (await this.classes.setSettings(auth.tenantId, id, settings))!;
    this.access.invalidate();
    this.streams.announce(auth.tenantId, { reason: 'policy.changed', classId: id });
    await this.audit.record(auth, 'class.settings', id, { keys: Object.keys(merge ? patch : settings) });
    return toDto(updated);
  }

  async remove(auth: AuthContext, id: string): Promise<boolean> {
    await this.load(auth, id);
    await this.classes.delete(auth.tenantId, id);
    this.streams.announce(auth.tenantId, { reason: 'class.changed', classId: id });
    await this.audit.record(auth, 'class.delete', id);
    return true;
  }

  async addMember(auth: AuthContext, id: string, userId: string, role: MemberRole): Promise<ClassDto> {
    await this.load(auth, id);
    if (!isId('user', userId) || !(await this.classes.userExists(auth.tenantId, userId)))
      throw new NotFoundError(`User not found: ${userId}`);
    await this.classes.upsertMember(auth.tenantId, id, userId, role);
    // Re-adding a teacher as a student narrows what they oversee.
    this.streams.announce(auth.tenantId, { reason: 'class.changed', classId: id, userId });
    await this.audit.record(auth, 'class.member.add', id, { userId, role });
    return toDto((await this.classes.find(auth.tenantId, id))!);
  }

  async removeMember(auth: AuthContext, id: string, userId: string): Promise<ClassDto> {
    await this.load(auth, id);
    if (!(await this.classes.removeMember(auth.tenantId, id, userId)))
      throw new NotFoundError(`Not a member: ${userId}`);
    this.streams.announce(auth.tenantId, { reason: 'class.changed', classId: id, userId });
    await this.audit.record(auth, 'class.member.remove', id, { userId });
    return toDto((await this.classes.find(auth.tenantId, id))!);
  }

  private async load(auth: AuthContext, id: string): Promise<ClassRow> {
    const row = isId('class', id) ? await this.classes.find(auth.tenantId, id) : null;
    const visible =
      row && (auth.role === 'admin' || row.members.some((m) => m.userId === auth.userId && m.role === 'teacher'));
    if (!row || !visible) throw new NotFoundError(`Class not found: ${id}`);
    return row;
  }
}
