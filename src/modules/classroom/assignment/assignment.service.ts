import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { BadRequestError, ForbiddenError, NotFoundError } from '../../../core/errors/domain-error';
import { isId, newId } from '../../../core/ids';
import { AccessService } from '../../access/access.service';
import { AuditService } from '../../audit/audit.service';
import { ProjectService } from '../../project/project.service';
import { KeyedMutex } from '../../snapshot/keyed-mutex';
import { WorkspaceManager } from '../../workspace/workspace-manager';
import { readStarterArchive } from '../archive/starter-archive';
import { CollectionScheduler } from '../collection/collection.scheduler';
import { accessListSchema, type AccessPolicy } from '../../config/config.schema';
import { StreamGuard } from '../../event/stream-guard.service';
import { PolicyValidator } from '../../school/class/policy-validator';
import { AssignmentRepository, type AssignmentRow } from './assignment.repository';
import { ClassroomStore } from './classroom-store';
import type {
  AssignmentDto,
  CreateAssignmentDto,
  OpenedAssignmentDto,
  UpdateAssignmentDto,
} from './dto/assignment.dto';
import { commitStarter } from './starter-git';

/** What the caller may do with an assignment: teachers of its class and the school's admins manage it. */
export type AssignmentAccess = 'read' | 'manage';

export function toAssignmentDto(row: AssignmentRow): AssignmentDto {
  return {
    id: row.id,
    classID: row.classId,
    title: row.title,
    instructions: row.instructions,
    policy: (row.policy ?? {}) as AccessPolicy,
    starter: (row.starter as AssignmentDto['starter']) ?? null,
    due: row.dueAt ? row.dueAt.getTime() : null,
    time: { created: row.createdAt.getTime(), updated: row.updatedAt.getTime() },
  };
}

// Same horizon as the access cache: another process sees an edited or deleted assignment within this time.
const PROJECT_CACHE_MS = 5_000;

/** The project name of a student's copy: stable, so opening twice finds the same folder. */
export const assignmentProjectName = (assignmentId: string) => assignmentId;

@Injectable()
export class AssignmentService {
  private readonly seeding = new KeyedMutex();
  /** tenant + project → the assignment the project is a copy of (null: none). */
  private readonly ofProject = new TtlCache<string, AssignmentRow | null>(PROJECT_CACHE_MS, 10_000);

  constructor(
    private readonly repo: AssignmentRepository,
    private readonly store: ClassroomStore,
    private readonly policies: PolicyValidator,
    private readonly projects: ProjectService,
    private readonly workspaces: WorkspaceManager,
    private readonly access: AccessService,
    private readonly audit: AuditService,
    private readonly scheduler: CollectionScheduler,
    private readonly streams: StreamGuard,
  ) {}

  private parsePolicy(auth: AuthContext, input: unknown): Promise<AccessPolicy> {
    return this.policies.parse(auth, accessListSchema, input, 'policy');
  }

  /** Students' copies follow a changed policy in every process before their next prompt. */
  private policyChanged(auth: AuthContext): void {
    this.access.invalidate();
    this.streams.announce(auth.tenantId, { reason: 'policy.changed' });
  }

  async create(auth: AuthContext, classId: string, input: CreateAssignmentDto): Promise<AssignmentDto> {
    await this.assertClass(auth, classId, 'manage');
    const policy = await this.parsePolicy(auth, input.policy);
    const row = await this.repo.create({
      id: newId('assignment'),
      tenantId: auth.tenantId,
      classId,
      title: input.title,
      instructions: input.instructions ?? '',
      policy,
      dueAt: input.due != null ? new Date(input.due) : null,
      createdBy: auth.userId,
    });
    await this.scheduler.schedule(row);
    await this.audit.record(auth, 'assignment.create', row.id, { classId, title: row.title });
    return toAssignmentDto(row);
  }

  async list(auth: AuthContext, classId: string): Promise<AssignmentDto[]> {
    await this.assertClass(auth, classId, 'read');
    return (await this.repo.listByClass(auth.tenantId, classId)).map(toAssignmentDto);
  }

  async get(auth: AuthContext, id: string): Promise<AssignmentDto> {
    return toAssignmentDto(await this.load(auth, id, 'read'));
  }

  async update(auth: AuthContext, id: string, input: UpdateAssignmentDto): Promise<AssignmentDto> {
    await this.load(auth, id, 'manage');
    const policy = input.policy !== undefined ? await this.parsePolicy(auth, input.policy) : undefined;
    const row = (await this.repo.update(auth.tenantId, id, {
      title: input.title,
      instructions: input.instructions,
      policy,
      dueAt: input.due === undefined ? undefined : input.due === null ? null : new Date(input.due),
    }))!;
    if (policy) this.policyChanged(auth);
    this.ofProject.clear();
    if (input.due !== undefined) await this.scheduler.schedule(row);
    await this.audit.record(auth, 'assignment.update', id, { fields: Object.keys(input) });
    return toAssignmentDto(row);
  }

  /** The assignment goes with its starter files and collections; students' copies stay theirs. */
  async remove(auth: AuthContext, id: string): Promise<boolean> {
    await this.load(auth, id, 'manage');
    await this.repo.delete(auth.tenantId, id);
    await this.store.removeAssignment(auth.tenantId, id);
    this.policyChanged(auth);
    this.ofProject.clear();
    await this.audit.record(auth, 'assignment.delete', id);
    return true;
  }

  /** Replaces the starter files (zip or tar.gz body, checked entry by entry). Copies already opened keep theirs. */
  async uploadStarter(auth: AuthContext, id: string, body: unknown): Promise<AssignmentDto> {
    await this.load(auth, id, 'manage');
    if (!Buffer.isBuffer(body))
      throw new BadRequestError(
        'Send the starter archive as the raw body with Content-Type application/zip or application/gzip',
        {},
        'archive_invalid',
      );
    const files = await readStarterArchive(body);
    await this.store.saveStarter(auth.tenantId, id, files);
    const starter = { files: files.length, bytes: files.reduce((n, f) => n + f.data.length, 0) };
    const row = (await this.repo.update(auth.tenantId, id, { starter }))!;
    await this.audit.record(auth, 'assignment.starter', id, starter);
    return toAssignmentDto(row);
  }

  /**
   * A student's own copy: a project seeded once from the starter files (plus ASSIGNMENT.md) with a first git
   * commit. Opening again returns the same project untouched. Students and teachers of the class may open.
   */
  async open(auth: AuthContext, id: string): Promise<OpenedAssignmentDto> {
    const row = await this.load(auth, id, 'read');
    if (auth.role === 'admin') throw new ForbiddenError('Only members of the class open an assignment', 'not_member');
    return this.seeding.run(`${auth.tenantId}/${id}/${auth.userId}`, async () => {
      const existing = await this.repo.findWork(auth.tenantId, id, auth.userId);
      const project = existing
        ? await this.projects.get(auth, existing.projectId, 'write')
        : await this.projects.resolve(auth, assignmentProjectName(id), 'write');
      const directory = this.projects.worktree(project);
      if (existing)
        return {
          assignment: toAssignmentDto(row),
          projectID: project.id,
          directory,
          startCommit: existing.startCommit,
          seeded: false,
        };
      // Written through the workspace (confined, no link followed): the folder may exist from before.
      const ws = await this.workspaces.get(project.tenantId, project.slug);
      for (const f of await this.store.starterFiles(auth.tenantId, id)) await ws.writeBytes(f.path, f.data);
      await ws.writeText('ASSIGNMENT.md', `# ${row.title}\n\n${row.instructions}\n`);
      const startCommit = await commitStarter(directory, row.title);
      await this.repo.createWork({
        assignmentId: id,
        tenantId: auth.tenantId,
        userId: auth.userId,
        projectId: project.id,
        startCommit,
      });
      this.policyChanged(auth);
      this.ofProject.clear();
      await this.audit.record(auth, 'assignment.open', id, { projectId: project.id });
      return { assignment: toAssignmentDto(row), projectID: project.id, directory, startCommit, seeded: true };
    });
  }

  /**
   * The assignment a project is the seeded copy of, if any: every model step of a session in the project puts its
   * instructions into the system prompt, so the answer is kept per process for a few seconds.
   */
  forProject(tenantId: string, projectId: string): Promise<AssignmentRow | null> {
    return this.ofProject.get(`${tenantId}\0${projectId}`, () => this.repo.forProject(tenantId, projectId));
  }

  /** The assignment, if the caller may see it; 404 otherwise (another class's or school's is not there). */
  async load(auth: AuthContext, id: string, need: AssignmentAccess): Promise<AssignmentRow> {
    const row = isId('assignment', id) ? await this.repo.find(auth.tenantId, id) : null;
    if (!row) throw new NotFoundError(`Assignment not found: ${id}`);
    await this.assertClass(auth, row.classId, need, `Assignment not found: ${id}`);
    return row;
  }

  async assertClass(
    auth: AuthContext,
    classId: string,
    need: AssignmentAccess,
    notFound = `Class not found: ${classId}`,
  ): Promise<void> {
    if (!isId('class', classId) || !(await this.repo.classExists(auth.tenantId, classId)))
      throw new NotFoundError(notFound);
    if (auth.role === 'admin') return;
    const role = await this.repo.memberRole(auth.tenantId, classId, auth.userId);
    if (!role) throw new NotFoundError(notFound);
    if (need === 'manage' && role !== 'teacher')
      throw new ForbiddenError('Only the class’s teachers and the school’s admins manage assignments', 'not_teacher');
  }
}
