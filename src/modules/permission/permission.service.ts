import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ForbiddenError, NotFoundError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { EventBus } from '../event/event.bus';
import { AuditService } from '../audit/audit.service';
import { EventType } from '../event/event.types';
import type { PermissionAsk } from './permission.types';
import { PermissionCorrectedError, PermissionDeniedError, PermissionRejectedError } from './permission.errors';
import { PERMISSION_HOOK, type PermissionHook } from './permission-hook.port';
import { PermissionRepository } from './permission.repository';
import { decideAsk, type LayeredRuleset } from './permission.layers';
import { approvalRules, wildcardMatch } from './permission.rules';

export type PermissionReply = 'once' | 'always' | 'reject';

export interface AskScope {
  tenantId: string;
  sessionId: string;
  projectId: string;
  /** Owner of the session: who may answer, whose "always" approvals apply. */
  ownerId: string | null;
  directory: string;
  /** The step's permission layers (TurnContext); approvals lift only the asks of unlocked layers. */
  ruleset: LayeredRuleset;
  tool?: { messageID: string; callID: string };
  abort: AbortSignal;
}

function toRequest(row: {
  id: string;
  sessionId: string;
  permission: string;
  patterns: unknown;
  metadata: unknown;
  always: unknown;
  tool: unknown;
}) {
  return {
    id: row.id,
    sessionID: row.sessionId,
    permission: row.permission,
    patterns: row.patterns as string[],
    metadata: row.metadata as Record<string, unknown>,
    always: row.always as string[],
    ...(row.tool ? { tool: row.tool } : {}),
  };
}

/**
 * OpenCode's ask flow with persistence: pending requests are rows (they survive restarts and are answerable
 * from any API process), replies travel over the event bus, "always" approvals are stored per project/user.
 */
/**
 * A teacher answering for a student: the caller checked that it oversees `ownerId` (a session it may read), and
 * only asks of that session and owner qualify.
 */
export interface OnBehalf {
  sessionId: string;
  ownerId: string | null;
}

export function mayAnswer(
  auth: AuthContext,
  row: { userId: string | null; sessionId: string },
  onBehalf?: OnBehalf,
): boolean {
  if (auth.role === 'admin' || row.userId === auth.userId) return true;
  return !!onBehalf && row.sessionId === onBehalf.sessionId && row.userId === onBehalf.ownerId;
}

@Injectable()
export class PermissionService {
  constructor(
    private readonly repo: PermissionRepository,
    private readonly bus: EventBus,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly audit: AuditService,
    @Inject(PERMISSION_HOOK) private readonly hook: PermissionHook,
  ) {}

  async ask(scope: AskScope, request: PermissionAsk): Promise<void> {
    const decision = await this.decide(scope, request);
    if (decision.outcome === 'allow') return;
    if (decision.outcome === 'deny')
      throw new PermissionDeniedError(request.permission, [decision.pattern], decision.rules);
    // Platform plugins may answer an open ask (never lift a rule's deny: that was decided above).
    const id = newId('permission');
    const status = await this.hook.ask(
      { tenantId: scope.tenantId, userId: scope.ownerId, projectId: scope.projectId, directory: scope.directory },
      {
        id,
        type: request.permission,
        permission: request.permission,
        pattern: request.patterns,
        patterns: request.patterns,
        sessionID: scope.sessionId,
        ...(scope.tool ? { messageID: scope.tool.messageID, callID: scope.tool.callID } : {}),
        title: request.permission,
        metadata: request.metadata,
        time: { created: Date.now() },
      },
    );
    if (status === 'allow') return;
    if (status === 'deny') throw new PermissionDeniedError(request.permission, request.patterns, []);
    const row = await this.repo.create({
      id,
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      userId: scope.ownerId,
      permission: request.permission,
      patterns: request.patterns,
      always: request.always,
      metadata: request.metadata as object,
      tool: scope.tool,
      expiresAt: new Date(Date.now() + this.config.permissionTimeoutMs),
    });
    const reply = this.bus.waitFor(
      (e) =>
        e.tenantId === scope.tenantId &&
        e.event.type === EventType.PermissionReplied &&
        e.event.properties.requestID === row.id,
      this.config.permissionTimeoutMs,
    );
    this.publish(scope, EventType.PermissionAsked, toRequest(row));
    const aborted = new Promise<'abort'>((resolve) =>
      scope.abort.addEventListener('abort', () => resolve('abort'), { once: true }),
    );
    const outcome = await Promise.race([reply, aborted]);
    if (outcome === 'abort') {
      await this.repo.resolve(scope.tenantId, row.id, 'reject');
      throw new PermissionRejectedError(request.permission);
    }
    if (!outcome) {
      await this.repo.resolve(scope.tenantId, row.id, 'expired');
      throw new PermissionRejectedError(request.permission);
    }
    const props = outcome.event.properties as { reply: PermissionReply; message?: string };
    if (props.reply === 'reject')
      throw props.message
        ? new PermissionCorrectedError(props.message)
        : new PermissionRejectedError(request.permission);
  }

  /** The decision alone, "always" approvals included: what a tool ask, `/shell` and command shell spans all go through. */
  async decide(
    scope: Pick<AskScope, 'tenantId' | 'projectId' | 'ownerId' | 'ruleset'>,
    request: Pick<PermissionAsk, 'permission' | 'patterns'>,
  ) {
    const approvals = (await this.repo.approvals(scope.tenantId, scope.projectId, scope.ownerId)).map((a) => ({
      permission: a.permission,
      pattern: a.pattern,
      action: 'allow' as const,
    }));
    return decideAsk(request.permission, request.patterns, scope.ruleset, approvals);
  }

  /**
   * A command the user runs themselves (`/shell`, a command's shell spans, a skill or MCP prompt they invoke): a
   * deny refuses it with a 403; an ask does not, the user who would be asked is the one running it.
   */
  async assertUserMay(
    scope: Pick<AskScope, 'tenantId' | 'projectId' | 'ownerId' | 'ruleset'>,
    request: Pick<PermissionAsk, 'permission' | 'patterns'>,
  ): Promise<void> {
    const decision = await this.decide(scope, request);
    if (decision.outcome === 'deny') {
      throw new ForbiddenError(
        `Blocked by a permission rule (${request.permission}: ${decision.pattern})`,
        'permission_denied',
        { permission: request.permission, pattern: decision.pattern, rules: decision.rules },
      );
    }
  }

  /**
   * A terminal (/pty) is the bash tool without a command to check: it cannot see what will be typed. So it opens
   * only where bash is not denied outright and no layer denies any bash command — a school that refuses `curl *`
   * to the agent refuses its students a terminal too, rather than let them type the refused command themselves.
   */
  async assertTerminalMay(scope: Pick<AskScope, 'tenantId' | 'projectId' | 'ownerId' | 'ruleset'>): Promise<void> {
    await this.assertUserMay(scope, { permission: 'bash', patterns: ['*'] });
    const denied = scope.ruleset.layers
      .flatMap((layer) => layer.rules)
      .find((rule) => rule.action === 'deny' && wildcardMatch('bash', rule.permission));
    if (denied) {
      throw new ForbiddenError(
        `A terminal cannot honour the rule denying ${denied.permission} ${denied.pattern}, so terminals are closed here`,
        'permission_denied',
        { permission: 'bash', pattern: denied.pattern, rules: [denied] },
      );
    }
  }

  async list(auth: AuthContext, visibleSessionIds?: string[]) {
    const rows = await this.repo.pending(auth.tenantId, visibleSessionIds);
    return rows.filter((r) => auth.role === 'admin' || r.userId === auth.userId).map(toRequest);
  }

  async reply(
    auth: AuthContext,
    id: string,
    reply: PermissionReply,
    message: string | undefined,
    scopeOf: (sessionId: string) => Promise<Pick<AskScope, 'projectId' | 'directory'> & { ownerId: string | null }>,
    onBehalf?: OnBehalf,
  ) {
    const row = isId('permission', id) ? await this.repo.find(auth.tenantId, id) : null;
    if (!row || row.status !== 'pending' || !mayAnswer(auth, row, onBehalf))
      throw new NotFoundError(`Permission request not found: ${id}`);
    const session = await scopeOf(row.sessionId);
    if (reply === 'always' && auth.role === 'student' && row.userId !== auth.userId)
      throw new ForbiddenError('Only the session owner may approve permanently');
    if (!(await this.repo.resolve(auth.tenantId, id, reply, message)))
      throw new NotFoundError(`Permission request not found: ${id}`);
    await this.audit.record(auth, 'permission.reply', id, {
      sessionId: row.sessionId,
      permission: row.permission,
      reply,
      ...(onBehalf ? { onBehalfOf: onBehalf.ownerId } : {}),
    });
    if (reply === 'always') {
      await this.repo.approve(
        auth.tenantId,
        session.projectId,
        session.ownerId,
        row.permission,
        approvalRules(row.permission, row.always as string[]).map((r) => r.pattern),
        () => newId('permission'),
      );
    }
    this.publish(
      {
        tenantId: auth.tenantId,
        sessionId: row.sessionId,
        projectId: session.projectId,
        ownerId: session.ownerId,
        directory: session.directory,
      },
      EventType.PermissionReplied,
      {
        sessionID: row.sessionId,
        requestID: id,
        reply,
        ...(message ? { message } : {}),
      },
    );
    return true;
  }

  /** Abort: every pending ask of the session is rejected (its waiter sees the abort signal). */
  async rejectPending(tenantId: string, sessionId: string): Promise<void> {
    await this.repo.rejectAllPending(tenantId, sessionId);
  }

  private publish(
    scope: Pick<AskScope, 'tenantId' | 'sessionId' | 'projectId' | 'ownerId' | 'directory'>,
    type: string,
    properties: Record<string, unknown>,
  ) {
    this.bus.publish({
      tenantId: scope.tenantId,
      sessionId: scope.sessionId,
      ownerId: scope.ownerId ?? undefined,
      projectId: scope.projectId,
      directory: scope.directory,
      type,
      properties,
    });
  }
}
