import { Module } from '@nestjs/common';
import { AgentModule } from '../../agent/agent.module';
import { PermissionModule } from '../../permission/permission.module';
import { SandboxModule } from '../../sandbox/sandbox.module';
import { WorkspaceModule } from '../../workspace/workspace.module';
import { SessionModule } from '../session.module';
import { ShellController } from './shell.controller';
import { ShellService } from './shell.service';

@Module({
  imports: [SessionModule, SandboxModule, AgentModule, PermissionModule, WorkspaceModule],
  controllers: [ShellController],
  providers: [ShellService],
  exports: [ShellService],
})
export class ShellModule {}
