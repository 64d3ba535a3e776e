import { Module } from '@nestjs/common';
import { AccessModule } from '../access/access.module';
import { AgentModule } from '../agent/agent.module';
import { AuditModule } from '../audit/audit.module';
import { ConfigModule } from '../config/config.module';
import { EventModule } from '../event/event.module';
import { TenantModule } from '../tenant/tenant.module';
import { PluginModule } from '../plugin/plugin.module';
import { PermissionModule } from '../permission/permission.module';
import { ProjectModule } from '../project/project.module';
import { ProviderModule } from '../provider/provider.module';
import { SandboxModule } from '../sandbox/sandbox.module';
import { SnapshotModule } from '../snapshot/snapshot.module';
import { ToolModule } from '../tool/tool.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ForkController } from './fork/fork.controller';
import { ForkService } from './fork/fork.service';
import { MessageController } from './message.controller';
import { MessageRepository } from './message.repository';
import { MessageService } from './message.service';
import { LlmTurnService } from './llm/llm-turn';
import { SessionLoopService } from './prompt/session-loop.service';
import { SessionPromptService } from './prompt/session-prompt.service';
import { PromptPartResolver } from './prompt/prompt-parts';
import { StepToolContext } from './prompt/step-tool-context';
import { LoopSinks } from './prompt/loop-sink';
import { RevertController } from './revert/revert.controller';
import { RevertService } from './revert/revert.service';
import { RunLeaseRepository } from './run/run-lease.repository';
import { RunRecovery } from './run/run-recovery';
import { RunResumer } from './run/run-resume.service';
import { SessionRunService } from './run/session-run.service';
import { SessionController } from './session.controller';
import { SessionFacade } from './session.facade';
import { SessionRepository } from './session.repository';
import { SessionToolServices } from './session-tool-services';
import { SessionService } from './session.service';
import { SessionWriter } from './session-writer';
import { PublicShareController } from './share/public-share.controller';
import { ShareController } from './share/share.controller';
import { ShareRepository } from './share/share.repository';
import { ShareService } from './share/share.service';
import { SummaryController } from './summary/summary.controller';
import { SessionChangesRepository } from './summary/summary.repository';
import { SummaryService } from './summary/summary.service';
import { TitleProcessor } from './title/title.processor';
import { TurnContextService } from './turn/turn-context.service';

/**
 * Sessions, messages, the prompt loop and what is built on a session's history: its diff and summary, revert,
 * fork and share. Sub-features with their own module (compaction, shell, agent-tools) import this one.
 */
@Module({
  imports: [
    AccessModule,
    AgentModule,
    AuditModule,
    ConfigModule,
    EventModule,
    PermissionModule,
    PluginModule,
    ProjectModule,
    ProviderModule,
    SandboxModule,
    SnapshotModule,
    TenantModule,
    ToolModule,
    WorkspaceModule,
  ],
  controllers: [
    SessionController,
    MessageController,
    SummaryController,
    RevertController,
    ForkController,
    ShareController,
    PublicShareController,
  ],
  providers: [
    SessionService,
    SessionRepository,
    MessageRepository,
    MessageService,
    SessionRunService,
    RunRecovery,
    RunLeaseRepository,
    RunResumer,
    LlmTurnService,
    SessionWriter,
    SessionLoopService,
    PromptPartResolver,
    StepToolContext,
    LoopSinks,
    SessionPromptService,
    SessionFacade,
    TitleProcessor,
    SessionToolServices,
    SessionChangesRepository,
    SummaryService,
    RevertService,
    ForkService,
    ShareService,
    ShareRepository,
    TurnContextService,
  ],
  exports: [
    SessionFacade,
    TurnContextService,
    SessionService,
    SessionRunService,
    SessionPromptService,
    SessionLoopService,
    MessageRepository,
    SessionRepository,
    LlmTurnService,
    SessionWriter,
    // Contributors to the loop's own ports, bound in ports.module.ts.
    RevertService,
    SummaryService,
    SessionToolServices,
  ],
})
export class SessionModule {}
