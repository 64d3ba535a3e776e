import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { CodeIntelService } from './code-intel.service';
import { FormatterService } from './formatter/formatter.service';
import { LspPool } from './lsp-pool.service';
import { LspController } from './lsp.controller';
import { LspService } from './lsp.service';

/** Code intelligence: language servers and formatters run inside the project's sandbox; `/lsp`, `/formatter`. */
@Module({
  imports: [ConfigModule, EventModule, ProjectModule, SandboxModule, WorkspaceModule],
  controllers: [LspController],
  providers: [LspPool, LspService, FormatterService, CodeIntelService],
  exports: [LspService, CodeIntelService],
})
export class LspModule {}
