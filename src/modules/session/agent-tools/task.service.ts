import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { isId } from '../../../core/ids';
import { AgentService } from '../../agent/agent.service';
import type { Ruleset } from '../../permission/permission.rules';
import type { ToolScope } from '../session-extension.port';
import { SessionRepository } from '../session.repository';
import { SessionService } from '../session.service';
import type { MessageWithParts } from '../session.types';
import { TurnContextService } from '../turn/turn-context.service';
import { ToolError } from '../../tool/tool.types';

export interface SubagentInput {
  description: string;
  prompt: string;
  agent: string;
  taskId?: string;
}

/** The last text the subagent wrote: what the parent gets back as the task's result. */
export function finalText(message: MessageWithParts | undefined): string {
  if (!message) return '';
  const texts = message.parts.filter(
    (p): p is Extract<typeof p, { type: 'text' }> => p.type === 'text' && !(p as { synthetic?: boolean }).synthetic,
  );
  return texts.at(-1)?.text ?? '';
}

/** Runs a subagent in a child session (OpenCode's task tool back end); the parent's abort reaches the child. */
@Injectable()
export class TaskService {
  constructor(
    private readonly agents: AgentService,
    private readonly sessions: SessionService,
    private readonly sessionRepo: SessionRepository,
    private readonly turns: TurnContextService,
  ) {}

  async run(
    scope: ToolScope,
    input: SubagentInput,
  ): Promise<{ sessionId: string; text: string; model: { providerID: string; modelID: string } }> {
    const { auth, session } = scope;
    const all = await this.agents.list(auth, session.projectId);
    const subagent = all.find((a) => a.name === input.agent && a.mode !== 'primary');
    if (!subagent) {
      const names = all.filter((a) => a.mode !== 'primary' && !a.hidden).map((a) => a.name);
      throw new ToolError(`Unknown subagent "${input.agent}". Available subagents: ${names.join(', ') || 'none'}.`);
    }
    const { model, sessionRules } = await this.turns.forSubagent(auth, session, scope.agent, subagent);
    const childId = await this.childSession(auth, scope, input, sessionRules);
    const onAbort = () => void scope.prompts.abort(auth, childId).catch(() => undefined);
    scope.abort.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await scope.prompts.prompt(auth, childId, {
        parts: [{ type: 'text', text: input.prompt }],
        agent: subagent.name,
        subagentOf: scope.agent,
        ...(model ? { model } : {}),
      });
      if (scope.abort.aborted) throw new ToolError('The task was aborted.');
      const info = result.info as {
        role: string;
        error?: { name: string; data?: { message?: string } };
        providerID?: string;
        modelID?: string;
      };
      if (info.role === 'assistant' && info.error)
        throw new ToolError(`The ${subagent.name} subagent failed: ${info.error.data?.message ?? info.error.name}`);
      return {
        sessionId: childId,
        text: finalText(result),
        model: {
          providerID: info.providerID ?? model?.providerID ?? '',
          modelID: info.modelID ?? model?.modelID ?? '',
        },
      };
    } finally {
      scope.abort.removeEventListener('abort', onAbort);
    }
  }

  private async childSession(
    auth: AuthContext,
    scope: ToolScope,
    input: SubagentInput,
    permission: Ruleset,
  ): Promise<string> {
    if (input.taskId) {
      const existing = isId('session', input.taskId) ? await this.sessionRepo.find(auth.tenantId, input.taskId) : null;
      if (!existing || existing.parentId !== scope.session.id)
        throw new ToolError(`task_id ${input.taskId} is not a task of this session; leave it out to start a new task.`);
      return existing.id;
    }
    const child = await this.sessions.create(auth, {
      parentID: scope.session.id,
      title: `${input.description} (@${input.agent} subagent)`,
      permission,
    });
    return child.id;
  }
}
