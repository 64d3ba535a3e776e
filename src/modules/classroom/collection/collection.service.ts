import { Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { AuthContext } from '../../../core/auth/auth-context';
import { NotFoundError } from '../../../core/errors/domain-error';
import { isId, newId } from '../../../core/ids';
import { AuditService } from '../../audit/audit.service';
import { ProjectService } from '../../project/project.service';
import { zipStream, type ZipItem } from '../archive/zip-writer';
import { AssignmentRepository, type AssignmentRow, type CollectionRow } from '../assignment/assignment.repository';
import { AssignmentService } from '../assignment/assignment.service';
import { ClassroomStore, writeTree } from '../assignment/classroom-store';
import { walk } from '../../workspace/workspace-walk';
import { diffSummary } from './diff-summary';
import type { CollectionDto, StudentSubmissionDto } from './dto/collection.dto';
import { readWorkspace } from './workspace-reader';

function toDto(row: CollectionRow): CollectionDto {
  return {
    id: row.id,
    assignmentID: row.assignmentId,
    trigger: row.trigger as CollectionDto['trigger'],
    created: row.createdAt.getTime(),
    students: row.summary as StudentSubmissionDto[],
  };
}

/** Folder of a student in the collection zip: readable name, made unique (and safe) by the user id. */
export function studentFolder(s: { userID: string; name: string }): string {
  const name =
    s.name
      .replace(/[^A-Za-z0-9._-]+/g, '_')
      .replace(/^[._]+/, '')
      .slice(0, 60) || 'student';
  return `${name}_${s.userID}`;
}

/**
 * Collections: a snapshot of every student's copy at one moment (due time or on demand), kept apart from the
 * workspaces, with a per-student summary of the changes against the starter files; downloaded as one zip.
 */
@Injectable()
export class CollectionService {
  constructor(
    private readonly repo: AssignmentRepository,
    private readonly assignments: AssignmentService,
    private readonly store: ClassroomStore,
    private readonly projects: ProjectService,
    private readonly audit: AuditService,
  ) {}

  async collectNow(auth: AuthContext, assignmentId: string): Promise<CollectionDto> {
    const row = await this.assignments.load(auth, assignmentId, 'manage');
    return toDto(await this.collect(auth, row, 'manual'));
  }

  /** The due-time job: runs once per due time; a due time moved since the job was queued does nothing. */
  async collectDue(auth: AuthContext, assignmentId: string, dueAt: number): Promise<{ collected: boolean }> {
    const row = await this.repo.find(auth.tenantId, assignmentId);
    if (!row || row.dueAt?.getTime() !== dueAt) return { collected: false };
    const done = (await this.repo.collections(auth.tenantId, assignmentId)).some(
      (c) => c.trigger === 'due' && c.createdAt.getTime() >= dueAt,
    );
    if (done) return { collected: false };
    await this.collect(auth, row, 'due');
    return { collected: true };
  }

  async list(auth: AuthContext, assignmentId: string): Promise<CollectionDto[]> {
    await this.assignments.load(auth, assignmentId, 'manage');
    return (await this.repo.collections(auth.tenantId, assignmentId)).map(toDto);
  }

  /** One zip: `SUMMARY.md` and `summary.json` at the top, then a folder per student with their files. */
  async download(
    auth: AuthContext,
    assignmentId: string,
    collectionId: string,
  ): Promise<{ stream: Readable; filename: string }> {
    const row = await this.assignments.load(auth, assignmentId, 'manage');
    const collection = isId('collection', collectionId)
      ? await this.repo.findCollection(auth.tenantId, assignmentId, collectionId)
      : null;
    if (!collection) throw new NotFoundError(`Collection not found: ${collectionId}`);
    const students = collection.summary as StudentSubmissionDto[];
    const items: ZipItem[] = [
      { path: 'SUMMARY.md', data: Buffer.from(summaryMarkdown(row, collection, students)) },
      { path: 'summary.json', data: Buffer.from(JSON.stringify(toDto(collection), null, 2)) },
    ];
    for (const s of students) {
      if (!s.opened) continue;
      const dir = this.store.collectionDir(auth.tenantId, assignmentId, collectionId, s.userID);
      for (const f of await listFiles(dir)) items.push({ path: `${studentFolder(s)}/${f}`, file: path.join(dir, f) });
    }
    await this.audit.record(auth, 'assignment.download', assignmentId, { collectionId });
    return { stream: zipStream(items), filename: `${assignmentId}-${collectionId}.zip` };
  }

  private async collect(auth: AuthContext, row: AssignmentRow, trigger: 'due' | 'manual'): Promise<CollectionRow> {
    const id = newId('collection');
    const [students, works, starter] = await Promise.all([
      this.repo.students(auth.tenantId, row.classId),
      this.repo.works(auth.tenantId, row.id),
      this.store.starterFiles(auth.tenantId, row.id),
    ]);
    const byUser = new Map(works.map((w) => [w.userId, w]));
    const summary: StudentSubmissionDto[] = [];
    for (const student of students) {
      const work = byUser.get(student.id);
      const project = work ? await this.projects.get(auth, work.projectId).catch(() => undefined) : undefined;
      if (!work || !project) {
        summary.push({ userID: student.id, name: student.name, opened: false, files: 0, truncated: false });
        continue;
      }
      const { files, truncated } = await readWorkspace(this.projects.worktree(project));
      await writeTree(this.store.collectionDir(auth.tenantId, row.id, id, student.id), files);
      summary.push({
        userID: student.id,
        name: student.name,
        opened: true,
        files: files.length,
        truncated,
        ...diffSummary(starter, files),
      });
    }
    const created = await this.repo.createCollection({
      id,
      tenantId: auth.tenantId,
      assignmentId: row.id,
      trigger,
      createdBy: auth.userId === 'system' ? null : auth.userId,
      summary,
    });
    await this.audit.record(auth, 'assignment.collect', row.id, {
      collectionId: id,
      trigger,
      students: summary.length,
    });
    return created;
  }
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  if (!(await fs.stat(dir).catch(() => undefined))?.isDirectory()) return out;
  for await (const e of walk(dir, dir)) if (e.type === 'file') out.push(e.relative);
  return out;
}

function summaryMarkdown(row: AssignmentRow, c: CollectionRow, students: StudentSubmissionDto[]): string {
  const lines = [
    `# ${row.title}`,
    '',
    `Collected ${c.createdAt.toISOString()} (${c.trigger}).`,
    '',
    '| student | folder | opened | files | added | modified | deleted | +lines | -lines |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const s of students)
    lines.push(
      `| ${s.name.replace(/\|/g, '/')} | ${s.opened ? studentFolder(s) : ''} | ${s.opened ? 'yes' : 'no'} | ${s.files} | ${s.added?.length ?? 0} | ${s.modified?.length ?? 0} | ${s.deleted?.length ?? 0} | ${s.additions ?? 0} | ${s.deletions ?? 0} |`,
    );
  return `${lines.join('\n')}\n`;
}
