import { Module } from '@nestjs/common';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { ProviderModule } from '../provider/provider.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { McpController } from './mcp.controller';
import { McpRepository } from './mcp.repository';
import { McpService } from './mcp.service';

/** One McpClientPool per process (inside McpService), closed on shutdown; tools reach the loop through EXTRA_TOOL_SOURCES. */
@Module({
  imports: [SandboxModule, ConfigModule, EventModule, ProjectModule, ProviderModule],
  controllers: [McpController],
  providers: [McpService, McpRepository],
  exports: [McpService],
})
export class McpModule {}
