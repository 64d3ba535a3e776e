import type { DynamicModule, Type } from '@nestjs/common';
import { AgentModule } from './agent/agent.module';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { ClassroomModule } from './classroom/classroom.module';
import { CommandModule } from './command/command.module';
import { CompatModule } from './compat/compat.module';
import { ConfigModule } from './config/config.module';
import { EventModule } from './event/event.module';
import { FileModule } from './file/file.module';
import { HealthModule } from './health/health.module';
import { InstructionModule } from './instruction/instruction.module';
import { LspModule } from './lsp/lsp.module';
import { McpModule } from './mcp/mcp.module';
import { MetricsModule } from './metrics/metrics.module';
import { PermissionModule } from './permission/permission.module';
import { PluginModule } from './plugin/plugin.module';
import { PortsModule } from './ports.module';
import { ProjectModule } from './project/project.module';
import { ProviderModule } from './provider/provider.module';
import { PtyModule } from './pty/pty.module';
import { QuestionModule } from './question/question.module';
import { QueueDashboardModule } from './queue-dashboard/queue-dashboard.module';
import { SandboxModule } from './sandbox/sandbox.module';
import { SchoolModule } from './school/school.module';
import { AgentToolsModule } from './session/agent-tools/agent-tools.module';
import { CompactionModule } from './session/compaction/compaction.module';
import { SessionModule } from './session/session.module';
import { ShellModule } from './session/shell/shell.module';
import { SkillModule } from './skill/skill.module';
import { SnapshotModule } from './snapshot/snapshot.module';
import { TenantModule } from './tenant/tenant.module';
import { ToolModule } from './tool/tool.module';
import { WorkspaceModule } from './workspace/workspace.module';

/**
 * Every domain module, composed by both entrypoints (STYLE rule 11), listed from the bottom layer up (see
 * docs/architecture.md). Each module imports what it uses; PortsModule binds the ports lower modules declare.
 */
export function domainModules(): (Type | DynamicModule)[] {
  return [
    AuditModule,
    EventModule,
    ProjectModule,
    AuthModule,
    TenantModule,
    PermissionModule,
    ConfigModule,
    AgentModule,
    ProviderModule,
    SandboxModule,
    WorkspaceModule,
    LspModule,
    ToolModule,
    PluginModule,
    SnapshotModule,
    SessionModule,
    CompactionModule,
    ShellModule,
    AgentToolsModule,
    QuestionModule,
    SchoolModule,
    McpModule,
    SkillModule,
    InstructionModule,
    CommandModule,
    FileModule,
    PtyModule,
    HealthModule,
    MetricsModule,
    QueueDashboardModule,
    CompatModule,
    ClassroomModule,
    PortsModule,
  ];
}
