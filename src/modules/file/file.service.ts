import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { listFileNodes, readFileContent, type FileContent, type FileNode } from '../workspace/file-node';
import { ProjectWorkspaceService } from './project-workspace.service';

/** GET /file and /file/content: confined to the project by Workspace, whose refusals are 4xx DomainErrors. */
@Injectable()
export class FileService {
  constructor(private readonly workspaces: ProjectWorkspaceService) {}

  async list(auth: AuthContext, directory: string | undefined, dirPath?: string): Promise<FileNode[]> {
    const ws = await this.workspaces.open(auth, directory);
    return listFileNodes(ws, dirPath || '.');
  }

  async content(auth: AuthContext, directory: string | undefined, filePath: string): Promise<FileContent> {
    const ws = await this.workspaces.open(auth, directory);
    return readFileContent(ws, filePath);
  }
}
