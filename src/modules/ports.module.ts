import { Global, Module } from '@nestjs/common';
import type { AuthContext } from '../core/auth/auth-context';
import { TEACHER_SCOPE } from '../core/auth/teacher-scope.port';
import { AuditModule } from './audit/audit.module';
import { AuditService } from './audit/audit.service';
import { ApiKeyService } from './auth/api-key.service';
import { RequestLimitService } from './tenant/limits/request-limit.service';
import { TenantModule } from './tenant/tenant.module';
import { AuthModule } from './auth/auth.module';
import { RATE_LIMITER } from './auth/rate-limiter.port';
import { STREAM_ACCESS, type StreamAccess } from './event/stream-access.port';
import { PROJECT_DIRECTORY, type ProjectDirectory } from './event/project-directory.port';
import { SESSION_ACCESS, type SessionAccess } from './permission/session-access.port';
import { ProjectModule } from './project/project.module';
import { ProjectService } from './project/project.service';
import { BudgetEnforcerService } from './school/budget/budget-enforcer.service';
import { BudgetMeterService } from './school/budget/budget-meter.service';
import { ClassRosterService } from './school/class/class-roster.service';
import { DisclosureService } from './school/lifecycle/disclosure.service';
import { LifecycleService } from './school/lifecycle/lifecycle.service';
import { AI_DISCLOSURE } from './session/prompt/ai-disclosure.port';
import { SchoolModule } from './school/school.module';
import { SessionModule } from './session/session.module';
import { LLM_METER } from './session/llm/llm-meter.port';
import { RUN_LIMITS } from './session/run/run-limits.port';
import { SessionService } from './session/session.service';
import { USER_DELETION_LISTENER } from './tenant/user-deletion.port';
import { SANDBOX_AUDIT, type SandboxAudit } from './sandbox/sandbox-audit.port';
import { systemAuth } from '../core/auth/auth-context';

/**
 * The composition root's bindings of ports: a lower module declares what it needs (an interface and a token next
 * to the consumer), a higher module answers, and only this file knows both. Global so the consumers need not
 * import the higher modules (which would close a cycle).
 */
@Global()
@Module({
  imports: [AuthModule, TenantModule, ProjectModule, SessionModule, SchoolModule, AuditModule],
  providers: [
    { provide: RATE_LIMITER, useExisting: RequestLimitService },
    { provide: TEACHER_SCOPE, useExisting: ClassRosterService },
    { provide: USER_DELETION_LISTENER, useExisting: LifecycleService },
    { provide: LLM_METER, useExisting: BudgetMeterService },
    { provide: AI_DISCLOSURE, useExisting: DisclosureService },
    { provide: RUN_LIMITS, useExisting: BudgetEnforcerService },
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
    SANDBOX_AUDIT,
    LLM_METER,
    RUN_LIMITS,
    AI_DISCLOSURE,
  ],
})
export class PortsModule {}
