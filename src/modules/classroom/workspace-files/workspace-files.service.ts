import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import type { AuthContext } from '../../../core/auth/auth-context';
import { BadRequestError } from '../../../core/errors/domain-error';
import { AuditService } from '../../audit/audit.service';
import { ProjectService } from '../../project/project.service';
import type { Workspace } from '../../workspace/workspace';
import { WorkspaceManager } from '../../workspace/workspace-manager';
import { zipStream } from '../archive/zip-writer';
import { readWorkspace } from '../collection/workspace-reader';
import type { UploadedFileDto } from './dto/workspace-files.dto';

/**
 * Files in and out of a project without the agent: one file up or down, the whole workspace as a zip. Access is
 * the project's (owner; their teachers read; writes as the school allows) and every path goes through the
 * Workspace, which confines it and never follows a link out.
 */
@Injectable()
export class WorkspaceFilesService {
  constructor(
    private readonly projects: ProjectService,
    private readonly workspaces: WorkspaceManager,
    private readonly audit: AuditService,
  ) {}

  private async open(auth: AuthContext, directory: string | undefined, access: 'read' | 'write') {
    const project = await this.projects.resolve(auth, directory, access);
    const ws: Workspace = this.projects.isDraft(project)
      ? await this.workspaces.empty(project.tenantId, project.slug)
      : await this.workspaces.get(project.tenantId, project.slug);
    return { project, ws };
  }

  async download(
    auth: AuthContext,
    directory: string | undefined,
    file: string,
  ): Promise<{ data: Buffer; filename: string }> {
    const { ws } = await this.open(auth, directory, 'read');
    const { data, resolved } = await ws.readBytes(file);
    return { data, filename: resolved.relative.split('/').pop() || 'file' };
  }

  async upload(
    auth: AuthContext,
    directory: string | undefined,
    file: string,
    body: unknown,
  ): Promise<UploadedFileDto> {
    if (!Buffer.isBuffer(body))
      throw new BadRequestError(
        'Send the file as the raw body with Content-Type application/octet-stream',
        {},
        'body_invalid',
      );
    const { project, ws } = await this.open(auth, directory, 'write');
    const resolved = await ws.writeBytes(file, body);
    await this.audit.record(auth, 'workspace.upload', project.id, { path: resolved.relative, size: body.length });
    return { path: resolved.relative, size: body.length };
  }

  /** The workspace as a zip (without .git and dependency folders; at most 2000 files, 100 MB). */
  async archive(auth: AuthContext, directory: string | undefined): Promise<{ stream: Readable; filename: string }> {
    const { project } = await this.open(auth, directory, 'read');
    const { files } = await readWorkspace(this.projects.worktree(project));
    return {
      stream: zipStream(files.map((f) => ({ path: f.path, data: f.data }))),
      filename: `${project.name ?? project.slug}.zip`,
    };
  }
}
