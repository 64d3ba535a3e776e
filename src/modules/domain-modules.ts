import type { DynamicModule, Type } from '@nestjs/common';
import { AgentModule } from './agent/agent.module';
import { AuthModule } from './auth/auth.module';
import { ConfigModule } from './config/config.module';
import { EventModule } from './event/event.module';
import { FileModule } from './file/file.module';
import { CommandModule } from './command/command.module';
import { ShellModule } from './session/shell/shell.module';
import { HealthModule } from './health/health.module';
import { InstructionModule } from './instruction/instruction.module';
import { McpModule } from './mcp/mcp.module';
import { ProjectModule } from './project/project.module';
import { ProviderModule } from './provider/provider.module';
import { QuestionModule } from './question/question.module';
import { SessionModule } from './session/session.module';
import { JwtModule } from './auth/jwt/jwt.module';
import { SchoolModule } from './school/school.module';
import { SkillModule } from './skill/skill.module';
import { SnapshotModule } from './snapshot/snapshot.module';
import { CompactionModule } from './session/compaction/compaction.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { TenantModule } from './tenant/tenant.module';
import { ToolModule } from './tool/tool.module';
import { AgentToolsModule } from './tool/tools/task/agent-tools.module';
import { WorkspaceModule } from './workspace/workspace.module';

/** Every domain module, composed by both entrypoints (STYLE rule 11). */
export function domainModules(): (Type | DynamicModule)[] {
  return [AuthModule, EventModule, ConfigModule, ProjectModule, TenantModule, HealthModule, AgentModule, ProviderModule, WorkspaceModule, ToolModule, SessionModule, McpModule, SchoolModule, JwtModule, CompactionModule, QueueDashboardModule, SnapshotModule, QuestionModule, SkillModule, InstructionModule, AgentToolsModule, FileModule, CommandModule, ShellModule];
}
