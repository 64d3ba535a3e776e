import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { newId } from '../../../core/ids';
import { PermissionService } from '../../permission/permission.service';
import { bashPermission } from '../../tool/tools/bash/bash.tool';
import { SandboxPolicy } from '../../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../../sandbox/sandbox-runner.service';
import { WorkspaceManager } from '../../workspace/workspace-manager';
import { SessionPromptService } from '../prompt/session-prompt.service';
import { SessionRunService } from '../run/session-run.service';
import { SessionBusyError } from '../session.errors';
import { SessionRepository, type SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { SessionWriter } from '../session-writer';
import {
  emptyTokens,
  type AssistantMessageInfo,
  type MessageWithParts,
  type PartInfo,
  type UserMessageInfo,
} from '../session.types';
import { TurnContextService } from '../turn/turn-context.service';
import { LiveOutput } from './live-output';

export const SHELL_TIMEOUT_MS = 120_000;
const OUTPUT_CHARS = 30_000;

export interface ShellInput {
  agent: string;
  command: string;
  model?: { providerID: string; modelID: string };
  messageID?: string;
}

type ToolPart = Extract<PartInfo, { type: 'tool' }>;

/**
 * POST /session/{id}/shell: the user's own command, run in the bash sandbox and recorded the way OpenCode
 * records it: a synthetic user turn, then an assistant message holding one `bash` tool part whose
 * `metadata.output` grows while the command runs. The session is busy meanwhile, so prompts wait and a
 * second shell is refused with 409.
 */
@Injectable()
export class ShellService {
  constructor(
    private readonly sessions: SessionService,
    private readonly sessionRepo: SessionRepository,
    private readonly runs: SessionRunService,
    private readonly turns: TurnContextService,
    private readonly permissions: PermissionService,
    private readonly workspaces: WorkspaceManager,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
    private readonly prompts: SessionPromptService,
    private readonly writer: SessionWriter,
  ) {}

  async run(auth: AuthContext, sessionId: string, input: ShellInput): Promise<MessageWithParts> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    await this.assertIdle(row);
    // Without the sandbox, answer the typed 503 instead of recording a message whose only part failed.
    await this.runner.assertRunnable();
    const { agent, model } = await this.turns.choose(auth, row, { agent: input.agent, model: input.model });
    // The user's own command goes through the same decision as the bash tool, locked role rules included.
    const permission = await this.turns.permission(auth, row, agent.name);
    await this.permissions.assertUserMay(
      { tenantId: row.tenantId, projectId: row.projectId, ownerId: row.userId, ruleset: permission },
      { permission: 'bash', ...bashPermission(input.command) },
    );
    await this.prompts.admit(auth, row);
    let result: MessageWithParts | undefined;
    await this.runs.run(row, async (signal) => {
      result = await this.execute(row, input, agent.name, model, signal);
    });
    return result!;
  }

  private async assertIdle(row: SessionRow): Promise<void> {
    if (this.runs.isRunningHere(row.id)) throw new SessionBusyError(row.id);
    if ((await this.sessionRepo.busy(row.tenantId)).some((b) => b.id === row.id)) throw new SessionBusyError(row.id);
  }

  private async execute(
    row: SessionRow,
    input: ShellInput,
    agent: string,
    model: { providerID: string; modelID: string },
    signal: AbortSignal,
  ): Promise<MessageWithParts> {
    const ws = await this.workspaces.get(row.tenantId, row.directory.split('/').pop()!);
    const now = Date.now();
    const user: UserMessageInfo = {
      id: input.messageID ?? newId('message', { at: now }),
      sessionID: row.id,
      role: 'user',
      time: { created: now },
      agent,
      model,
    };
    await this.save(row, user, [
      {
        id: newId('part'),
        sessionID: row.id,
        messageID: user.id,
        type: 'text',
        text: 'The following tool was executed by the user',
        synthetic: true,
      },
    ]);
    const assistant: AssistantMessageInfo = {
      id: newId('message'),
      sessionID: row.id,
      role: 'assistant',
      parentID: user.id,
      time: { created: Date.now() },
      modelID: model.modelID,
      providerID: model.providerID,
      mode: agent,
      agent,
      path: { cwd: ws.root, root: ws.root },
      cost: 0,
      tokens: emptyTokens(),
    };
    const start = Date.now();
    const part: ToolPart = {
      id: newId('part'),
      sessionID: row.id,
      messageID: assistant.id,
      type: 'tool',
      callID: newId('tool'),
      tool: 'bash',
      state: {
        status: 'running',
        input: { command: input.command },
        title: input.command,
        metadata: { output: '', description: input.command },
        time: { start },
      },
    };
    await this.save(row, assistant, [part]);

    // Live updates are written in order, so a slow one can never land after the final state.
    let writes = Promise.resolve();
    const live = new LiveOutput(OUTPUT_CHARS, (output) => {
      if (part.state.status !== 'running') return;
      part.state = { ...part.state, metadata: { output, description: input.command } };
      writes = writes.then(() => this.savePart(row, part)).catch(() => undefined);
    });
    try {
      const res = await this.runner.run({
        command: input.command,
        cwd: ws.root,
        workspaceRoot: ws.root,
        env: { TERM: 'dumb' },
        timeoutMs: SHELL_TIMEOUT_MS,
        ...(await this.sandbox.forTenant(ws.tenantId, 'shell', row.userId ?? undefined)),
        signal,
        onOutput: (chunk) => live.push(chunk),
      });
      live.stop();
      const notes = [
        res.timedOut ? `Command terminated after exceeding timeout ${SHELL_TIMEOUT_MS} ms` : '',
        res.aborted ? 'User aborted the command' : '',
      ].filter(Boolean);
      const output = res.output + (notes.length ? `\n\n<shell_metadata>\n${notes.join('\n')}\n</shell_metadata>` : '');
      part.state = {
        status: 'completed',
        input: { command: input.command },
        output,
        title: input.command,
        metadata: {
          output: output.slice(-OUTPUT_CHARS),
          exit: res.exitCode,
          description: input.command,
          truncated: res.truncated,
          sandboxed: res.sandboxed,
        },
        time: { start, end: Date.now() },
      };
    } catch (err) {
      live.stop();
      part.state = {
        status: 'error',
        input: { command: input.command },
        error: (err as Error).message,
        time: { start, end: Date.now() },
      };
    }
    await writes;
    await this.savePart(row, part);
    assistant.time.completed = Date.now();
    await this.save(row, assistant, []);
    return { info: assistant, parts: [part] };
  }

  private save(row: SessionRow, info: UserMessageInfo | AssistantMessageInfo, parts: PartInfo[]): Promise<void> {
    return this.writer.turn(row, info, parts);
  }

  private savePart(row: SessionRow, part: PartInfo): Promise<void> {
    return this.writer.part(row, part);
  }
}
