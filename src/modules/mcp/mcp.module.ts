import { Module } from '@nestjs/common';
import { SandboxModule } from '../sandbox/sandbox.module';
import { McpController } from './mcp.controller';
import { McpRepository } from './mcp.repository';
import { McpService } from './mcp.service';

/** One McpClientPool per process (inside McpService), closed on shutdown; tools reach the loop via SessionHooks. */
@Module({ imports: [SandboxModule], controllers: [McpController], providers: [McpService, McpRepository], exports: [McpService] })
export class McpModule {}
