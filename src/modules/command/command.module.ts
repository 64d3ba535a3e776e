import { Module } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { AgentModule } from '../agent/agent.module';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { ProjectModule } from '../project/project.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { McpModule } from '../mcp/mcp.module';
import { PermissionModule } from '../permission/permission.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SkillModule } from '../skill/skill.module';
import { CommandController } from './command.controller';
import { CommandService } from './command.service';

@Module({
  imports: [
    SandboxModule,
    McpModule,
    SkillModule,
    SessionModule,
    PermissionModule,
    AgentModule,
    ConfigModule,
    EventModule,
    ProjectModule,
    WorkspaceModule,
  ],
  controllers: [CommandController],
  providers: [CommandService],
})
export class CommandModule {}
