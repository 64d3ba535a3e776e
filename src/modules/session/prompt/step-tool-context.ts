import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { EventType } from '../../event/event.types';
import type { LayeredRuleset } from '../../permission/permission.layers';
import { PermissionService } from '../../permission/permission.service';
import type { ToolContext } from '../../tool/tool.types';
import type { WorkspaceHandle } from '../../workspace/workspace-handle';
import { MessageRepository } from '../message.repository';
import type { SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import type { PartInfo } from '../session.types';
import { TOOL_SERVICE_SOURCES, type PromptRunner, type ToolServiceSource } from '../session-extension.port';

/** What a step's tools run with, decided once per step. */
export interface StepRun {
  auth: AuthContext;
  row: SessionRow;
  ruleset: LayeredRuleset;
  workspace: WorkspaceHandle;
  agentName: string;
  prompts: PromptRunner;
}

/** The context one tool call of a step runs in: its permission asks, live metadata and the services tools call. */
@Injectable()
export class StepToolContext {
  constructor(
    private readonly permissions: PermissionService,
    private readonly messages: MessageRepository,
    private readonly sessions: SessionService,
    private readonly writer: SessionWriter,
    @Inject(TOOL_SERVICE_SOURCES) private readonly toolServices: readonly ToolServiceSource[],
  ) {}

  build(
    { auth, row, ruleset, workspace, agentName, prompts }: StepRun,
    part: Extract<PartInfo, { type: 'tool' }>,
    signal: AbortSignal,
    extra: Record<string, unknown>,
  ): ToolContext {
    const scope = { auth, session: row, messageId: part.messageID, agent: agentName, abort: signal, prompts };
    const extraServices = Object.assign({}, ...this.toolServices.map((source) => source.servicesFor(scope)));
    return {
      auth,
      sessionId: row.id,
      messageId: part.messageID,
      callId: part.callID,
      agent: agentName,
      workspace,
      abort: signal,
      extra,
      ask: (request) =>
        this.permissions.ask(
          {
            tenantId: row.tenantId,
            sessionId: row.id,
            projectId: row.projectId,
            ownerId: row.userId,
            directory: row.directory,
            ruleset,
            tool: { messageID: part.messageID, callID: part.callID },
            abort: signal,
          },
          request,
        ),
      metadata: ({ title, metadata }) => {
        if (part.state.status !== 'running') return;
        part.state = {
          ...part.state,
          ...(title ? { title } : {}),
          ...(metadata ? { metadata: { ...(part.state.metadata ?? {}), ...metadata } } : {}),
        };
        this.writer.publishPart(row, part);
      },
      services: {
        setTodos: async (todos) => {
          await this.messages.setTodos(row.tenantId, row.id, todos);
          this.sessions.publish(row, EventType.TodoUpdated, { sessionID: row.id, todos });
        },
        getTodos: () => this.messages.getTodos(row.tenantId, row.id),
        ...extraServices,
      },
    };
  }
}
