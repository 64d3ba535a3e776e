import { Module } from '@nestjs/common';
import { ProjectModule } from '../project/project.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { FileController } from './file.controller';
import { FileService } from './file.service';
import { FindService } from './find.service';
import { ProjectWorkspaceService } from './project-workspace.service';
import { VcsService } from './vcs.service';

/** OpenCode's file, find and vcs routes on the caller's project workspace. */
@Module({
  imports: [SandboxModule, ProjectModule, WorkspaceModule],
  controllers: [FileController],
  providers: [ProjectWorkspaceService, FileService, FindService, VcsService],
  exports: [ProjectWorkspaceService],
})
export class FileModule {}
