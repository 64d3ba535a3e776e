import { Inject, Injectable } from '@nestjs/common';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { NotFoundError } from '../../core/errors/domain-error';
import { ProjectService, type ProjectAccess } from '../project/project.service';
import type { Workspace } from '../workspace/workspace';
import { WorkspaceManager } from '../workspace/workspace-manager';

/** The caller's project workspace for a request's `?directory=`, with ProjectService's access rules. */
@Injectable()
export class ProjectWorkspaceService {
  constructor(
    private readonly projects: ProjectService,
    private readonly workspaces: WorkspaceManager,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async open(auth: AuthContext, directory?: string, access: ProjectAccess = 'read'): Promise<Workspace> {
    // ProjectService treats an unknown absolute path as a project name; a path into another tenant's
    // folder must not silently become a same-named project of the caller's, it is someone else's: 404.
    if (directory && path.isAbsolute(directory)) {
      const root = path.resolve(this.config.workspaceRoot) + path.sep;
      const target = path.resolve(directory);
      if (target.startsWith(root) && !target.startsWith(root + auth.tenantId + path.sep)) {
        throw new NotFoundError(`Project not found: ${directory}`);
      }
    }
    const project = await this.projects.resolve(auth, directory, access);
    if (this.projects.isDraft(project)) return this.workspaces.empty(project.tenantId, project.slug);
    return this.workspaces.get(project.tenantId, project.slug);
  }
}
