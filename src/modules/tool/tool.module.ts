import { Module } from '@nestjs/common';
import { AgentModule } from '../agent/agent.module';
import { ConfigModule } from '../config/config.module';
import { LspModule } from '../lsp/lsp.module';
import { ProjectModule } from '../project/project.module';
import { ProviderModule } from '../provider/provider.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ToolOutputCleanupProcessor } from './tool-output-cleanup.processor';
import { ToolRegistry } from './tool.registry';

/** The built-in tools (one registry per process) and the hourly cleanup of saved tool output; the experimental tool routes live in session/agent-tools. */
@Module({
  imports: [SandboxModule, AgentModule, ConfigModule, LspModule, ProjectModule, ProviderModule],
  providers: [ToolRegistry, ToolOutputCleanupProcessor],
  exports: [ToolRegistry],
})
export class ToolModule {}
