import { Module } from '@nestjs/common';
import { AgentModule } from '../agent/agent.module';
import { EventModule } from '../event/event.module';
import { PermissionModule } from '../permission/permission.module';
import { ProjectModule } from '../project/project.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SessionModule } from '../session/session.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { PtyController } from './pty.controller';
import { PtyGateway } from './pty.gateway';
import { PtyService } from './pty.service';

@Module({
  imports: [AgentModule, EventModule, PermissionModule, ProjectModule, SandboxModule, SessionModule, WorkspaceModule],
  controllers: [PtyController],
  providers: [PtyService, PtyGateway],
})
export class PtyModule {}
