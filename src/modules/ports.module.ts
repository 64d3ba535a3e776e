import { Global, Module, type Provider, type Type } from '@nestjs/common';
import type { AuthContext } from '../core/auth/auth-context';
import { TEACHER_SCOPE } from '../core/auth/teacher-scope.port';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { ApiKeyService } from './auth/api-key.service';
import { RequestLimitService } from './tenant/limits/request-limit.service';
import { TenantModule } from './tenant/tenant.module';
import { AuthModule } from './auth/auth.module';
import { RATE_LIMITER } from './auth/rate-limiter.port';
import { STREAM_ACCESS, STREAM_RIGHTS, type StreamAccess, type StreamRights } from './event/stream-access.port';
import { PROJECT_DIRECTORY, type ProjectDirectory } from './event/project-directory.port';
import { SESSION_ACCESS, type SessionAccess } from './permission/session-access.port';
import { PERMISSION_HOOK, type PermissionHook } from './permission/permission-hook.port';
import { PluginModule } from './plugin/plugin.module';
import { PluginHost } from './plugin/plugin-host.service';
import { PluginTurn } from './plugin/plugin-turn';
import { PLATFORM_PLUGINS } from './tenant/platform-plugins.port';
import { ProjectModule } from './project/project.module';
import { ProjectService } from './project/project.service';
import { AllowanceService } from './school/allowance/allowance.service';
import { BudgetEnforcerService } from './school/budget/budget-enforcer.service';
import { BudgetMeterService } from './school/budget/budget-meter.service';
import { ClassRosterService } from './school/class/class-roster.service';
import { PolicyValidator } from './school/class/policy-validator';
import { DisclosureService } from './school/lifecycle/disclosure.service';
import { LifecycleService } from './school/lifecycle/lifecycle.service';
import { AI_DISCLOSURE } from './session/prompt/ai-disclosure.port';
import { POLICY_DEFAULTS } from './config/policy-defaults.port';
import { SCHOOL_POLICY_CHECK } from './config/school-policy.port';
import { AccessModule } from './access/access.module';
import { AccessService } from './access/access.service';
import { SchoolModule } from './school/school.module';
import { SessionModule } from './session/session.module';
import { LLM_METER } from './session/llm/llm-meter.port';
import { RUN_LIMITS } from './session/run/run-limits.port';
import { SessionService } from './session/session.service';
import { USER_DELETION_LISTENER } from './tenant/user-deletion.port';
import { SANDBOX_AUDIT, type SandboxAudit } from './sandbox/sandbox-audit.port';
import { systemAuth } from '../core/auth/auth-context';
import { ClassroomModule } from './classroom/classroom.module';
import { NoteService } from './classroom/note/note.service';
import { InstructionModule } from './instruction/instruction.module';
import { InstructionSource } from './instruction/instruction.source';
import { McpModule } from './mcp/mcp.module';
import { McpService } from './mcp/mcp.service';
import { QuestionModule } from './question/question.module';
import { QuestionService } from './question/question.service';
import { AgentToolServices, BatchToolSource } from './session/agent-tools/agent-tool.sources';
import { AgentToolsModule } from './session/agent-tools/agent-tools.module';
import { CompactionModule } from './session/compaction/compaction.module';
import { CompactionSteps } from './session/compaction/compaction-steps';
import { RevertService } from './session/revert/revert.service';
import { SessionToolServices } from './session/session-tool-services';
import * as loop from './session/session-extension.port';
import { SummaryService } from './session/summary/summary.service';
import { SkillModule } from './skill/skill.module';
import { SkillSource } from './skill/skill.source';

/** A port the session loop calls once per contributor, in the order listed. */
const contributors = <T>(token: symbol, ...classes: Type<T>[]): Provider => ({
  provide: token,
  inject: classes,
  useFactory: (...instances: T[]): readonly T[] => instances,
});

/**
 * The session loop's extension points and who contributes to each, in the order they run. The lists are the
 * whole answer to "what runs before a prompt / around a step / after the loop": nothing registers itself.
 */
const sessionExtensions: Provider[] = [
  contributors<loop.PromptGuard>(loop.PROMPT_GUARDS, RevertService, BudgetEnforcerService),
  contributors<loop.StepPreparer>(loop.STEP_PREPARERS, CompactionSteps),
  contributors<loop.StepObserver>(loop.STEP_OBSERVERS, CompactionSteps),
  contributors<loop.OverflowHandler>(loop.OVERFLOW_HANDLERS, CompactionSteps),
  contributors<loop.LoopFinisher>(loop.LOOP_FINISHERS, SummaryService, CompactionSteps, AllowanceService),
  contributors<loop.HistoryView>(loop.HISTORY_VIEWS, CompactionSteps),
  contributors<loop.SystemSource>(loop.SYSTEM_SOURCES, SkillSource, InstructionSource, NoteService),
  contributors<loop.ExtraToolSource>(loop.EXTRA_TOOL_SOURCES, McpService, BatchToolSource),
  contributors<loop.ToolServiceSource>(
    loop.TOOL_SERVICE_SOURCES,
    SessionToolServices,
    QuestionService,
    SkillSource,
    AgentToolServices,
  ),
];
const sessionExtensionTokens = [
  loop.PROMPT_GUARDS,
  loop.STEP_PREPARERS,
  loop.STEP_OBSERVERS,
  loop.OVERFLOW_HANDLERS,
  loop.LOOP_FINISHERS,
  loop.HISTORY_VIEWS,
  loop.SYSTEM_SOURCES,
  loop.EXTRA_TOOL_SOURCES,
  loop.TOOL_SERVICE_SOURCES,
];

/**
 * The composition root's bindings of ports: a lower module declares what it needs (an interface and a token next
 * to the consumer), a higher module answers, and only this file knows both. Global so the consumers need not
 * import the higher modules (which would close a cycle).
 */
@Global()
@Module({
  imports: [
    AccessModule,
    AuthModule,
    TenantModule,
    ProjectModule,
    SessionModule,
    SchoolModule,
    AuditModule,
    CompactionModule,
    AgentToolsModule,
    QuestionModule,
    SkillModule,
    InstructionModule,
    McpModule,
    ClassroomModule,
    PluginModule,
  ],
  providers: [
    ...sessionExtensions,
    { provide: RATE_LIMITER, useExisting: RequestLimitService },
    { provide: TEACHER_SCOPE, useExisting: ClassRosterService },
    { provide: USER_DELETION_LISTENER, useExisting: LifecycleService },
    { provide: LLM_METER, useExisting: BudgetMeterService },
    { provide: AI_DISCLOSURE, useExisting: DisclosureService },
    { provide: RUN_LIMITS, useExisting: BudgetEnforcerService },
    { provide: POLICY_DEFAULTS, useExisting: AccessService },
    { provide: SCHOOL_POLICY_CHECK, useExisting: PolicyValidator },
    { provide: PLATFORM_PLUGINS, useExisting: PluginHost },
    {
      provide: PERMISSION_HOOK,
      inject: [PluginTurn],
      useFactory: (plugins: PluginTurn): PermissionHook => ({
        ask: (scope, info) => plugins.permissionAsk(scope, info),
      }),
    },
    {
      provide: PROJECT_DIRECTORY,
      inject: [ProjectService],
      useFactory: (projects: ProjectService): ProjectDirectory => ({
        projectIdOf: async (auth: AuthContext, directory: string) => (await projects.resolve(auth, directory)).id,
      }),
    },
    {
      provide: STREAM_ACCESS,
      inject: [ApiKeyService, RequestLimitService],
      useFactory: (keys: ApiKeyService, limits: RequestLimitService): StreamAccess => ({
        current: (auth) => keys.current(auth),
        claim: (auth) => limits.claimStream(auth),
      }),
    },
    {
      provide: STREAM_RIGHTS,
      inject: [ApiKeyService],
      useFactory: (keys: ApiKeyService): StreamRights => ({ currentMany: (auths) => keys.currentMany(auths) }),
    },
    {
      provide: SESSION_ACCESS,
      inject: [SessionService],
      useFactory: (sessions: SessionService): SessionAccess => ({
        writableScope: async (auth, sessionId) => {
          const row = await sessions.loadForWrite(auth, sessionId);
          return { projectId: row.projectId, directory: row.directory, ownerId: row.userId };
        },
      }),
    },
    {
      provide: SANDBOX_AUDIT,
      inject: [AuditService],
      useFactory: (audit: AuditService): SandboxAudit => ({
        unsandboxedRun: (origin, details) =>
          audit.record(
            systemAuth(origin.tenantId, origin.userId ?? 'system'),
            'sandbox.unsandboxed_run',
            origin.via,
            details,
          ),
      }),
    },
  ],
  exports: [
    RATE_LIMITER,
    TEACHER_SCOPE,
    USER_DELETION_LISTENER,
    PROJECT_DIRECTORY,
    SESSION_ACCESS,
    STREAM_ACCESS,
    STREAM_RIGHTS,
    SANDBOX_AUDIT,
    LLM_METER,
    RUN_LIMITS,
    AI_DISCLOSURE,
    POLICY_DEFAULTS,
    SCHOOL_POLICY_CHECK,
    PLATFORM_PLUGINS,
    PERMISSION_HOOK,
    ...sessionExtensionTokens,
  ],
})
export class PortsModule {}
