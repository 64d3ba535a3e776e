import { Module } from '@nestjs/common';
import { AgentModule } from '../agent/agent.module';
import { ConfigModule } from '../config/config.module';
import { ProjectModule } from '../project/project.module';
import { ProviderModule } from '../provider/provider.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { ToolCatalogue } from './tool.catalogue';
import { ToolController } from './tool.controller';
import { ToolRegistry } from './tool.registry';

/** The built-in tools (one registry per process) and the experimental tool routes that list them. */
@Module({
  imports: [SandboxModule, AgentModule, ConfigModule, ProjectModule, ProviderModule],
  controllers: [ToolController],
  providers: [ToolRegistry, ToolCatalogue],
  exports: [ToolRegistry],
})
export class ToolModule {}
