import { Module } from '@nestjs/common';
import { LspModule } from '../lsp/lsp.module';
import { ProjectModule } from '../project/project.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { FileController } from './file.controller';
import { FileService } from './file.service';
import { FindService } from './find.service';
import { ProjectWorkspaceService } from './project-workspace.service';
import { VcsPatchService } from './vcs-patch.service';
import { VcsController } from './vcs.controller';
import { VcsService } from './vcs.service';
import { ProjectCopyService } from './worktree/project-copy.service';
import { WorktreeController } from './worktree/worktree.controller';
import { WorktreeService } from './worktree/worktree.service';

/** OpenCode's file, find and vcs routes on the caller's project workspace. */
@Module({
  imports: [LspModule, SandboxModule, ProjectModule, WorkspaceModule],
  controllers: [FileController, VcsController, WorktreeController],
  providers: [
    ProjectWorkspaceService,
    FileService,
    FindService,
    VcsService,
    VcsPatchService,
    WorktreeService,
    ProjectCopyService,
  ],
  exports: [ProjectWorkspaceService],
})
export class FileModule {}
