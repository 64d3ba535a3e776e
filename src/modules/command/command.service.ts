import { Injectable } from '@nestjs/common';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { ConfigService } from '../config/config.service';
import { McpService } from '../mcp/mcp.service';
import { PermissionService } from '../permission/permission.service';
import { bashPermission } from '../tool/tools/bash/bash.tool';
import { TurnContextService } from '../session/turn/turn-context.service';
import { EventType } from '../event/event.types';
import { ProjectService } from '../project/project.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import type { PromptPartInput } from '../session/prompt/prompt-input';
import { SessionPromptService } from '../session/prompt/session-prompt.service';
import { SessionService } from '../session/session.service';
import { SkillService } from '../skill/skill.service';
import type { MessageWithParts } from '../session/session.types';
import { imageMime, isPdf, mimeOf } from '../workspace/file-kind';
import type { Workspace } from '../workspace/workspace';
import { WorkspaceManager } from '../workspace/workspace-manager';
import { BUILTIN_COMMANDS, templateHints, type CommandInfo } from './command.builtins';
import { expandTemplate, fileReferences } from './command.template';
import type { CommandDto } from './dto/command.dto';

const SHELL_TIMEOUT_MS = 30_000;
const MAX_SHELL_SPANS = 10;
const MAX_FILE_REFERENCES = 20;
const MAX_ATTACHED_BYTES = 2 * 1024 * 1024;

/** An MCP prompt's template is fetched from its server only when listed or run. */
type CommandEntry = Omit<CommandInfo, 'template'> & { template: string | (() => Promise<string>) };

const templateOf = (c: CommandEntry): Promise<string> =>
  typeof c.template === 'string' ? Promise.resolve(c.template) : c.template();

/** GET /command and POST /session/{id}/command: templates expanded, then sent through the normal prompt path. */
@Injectable()
export class CommandService {
  constructor(
    private readonly projects: ProjectService,
    private readonly config: ConfigService,
    private readonly sessions: SessionService,
    private readonly prompts: SessionPromptService,
    private readonly turns: TurnContextService,
    private readonly permissions: PermissionService,
    private readonly workspaces: WorkspaceManager,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
    private readonly mcp: McpService,
    private readonly skills: SkillService,
  ) {}

  async list(auth: AuthContext, directory?: string): Promise<CommandInfo[]> {
    const project = await this.projects.resolve(auth, directory);
    const entries = await this.forProject(auth, { id: project.id, worktree: this.projects.worktree(project) });
    // A prompt its server fails to render still lists, with an empty template.
    return Promise.all(entries.map(async (c) => ({ ...c, template: await templateOf(c).catch(() => '') })));
  }

  async execute(auth: AuthContext, sessionId: string, dto: CommandDto): Promise<MessageWithParts> {
    const row = await this.sessions.loadForWrite(auth, sessionId);
    const command = (await this.forProject(auth, { id: row.projectId, worktree: row.directory })).find(
      (c) => c.name === dto.command,
    );
    if (!command) throw new NotFoundError(`Command not found: ${dto.command}`, { command: dto.command });
    const modelRef = dto.model ?? command.model;
    const model = modelRef ? parseModel(modelRef) : undefined;
    // Asked before anything runs: the allow-lists (a typed 403) and the permission layers of the chosen agent.
    const { agent } = await this.turns.choose(auth, row, {
      agent: command.agent ?? dto.agent,
      ...(model ? { model } : {}),
    });
    const permission = await this.turns.permission(auth, row, agent.name);
    const scope = { tenantId: row.tenantId, projectId: row.projectId, ownerId: row.userId, ruleset: permission };
    const invoked = invokedPermission(command);
    if (invoked) await this.permissions.assertUserMay(scope, invoked);
    // Before the template's shell spans run: a spent budget refuses the command like a prompt.
    await this.prompts.admit(auth, row);
    const ws = await this.workspaces.get(row.tenantId, path.basename(row.directory));

    // Shell spans are taken out before the arguments go in; each goes through the bash tool's decision. An MCP
    // server's prompt text is not ours to run: its !`cmd` spans stay text.
    const run = async (commands: string[]) => {
      if (commands.length > MAX_SHELL_SPANS)
        throw new BadRequestError(`A command template may run at most ${MAX_SHELL_SPANS} shell commands`);
      for (const cmd of commands)
        await this.permissions.assertUserMay(scope, { permission: 'bash', ...bashPermission(cmd) });
      return this.runShellSpans(ws, commands);
    };
    const text = await expandTemplate(
      await templateOf(command),
      dto.arguments ?? '',
      command.source === 'mcp' ? undefined : run,
    );
    const subtask = agent.mode === 'subagent' || command.subtask === true;
    const parts: PromptPartInput[] = subtask
      ? [
          {
            type: 'subtask',
            prompt: text,
            description: command.description ?? command.name,
            agent: agent.name,
            command: command.name,
            ...(model ? { model } : {}),
          },
        ]
      : [{ type: 'text', text }, ...(await this.fileParts(ws, text)), ...(dto.parts ?? [])];
    this.sessions.publish(row, EventType.CommandExecuted, {
      name: command.name,
      sessionID: row.id,
      arguments: dto.arguments,
      messageID: dto.messageID,
    });
    return this.prompts.prompt(
      auth,
      row.id,
      {
        parts,
        messageID: dto.messageID,
        agent: subtask ? dto.agent : agent.name,
        ...(model ? { model } : {}),
        ...((dto.variant ?? command.variant) ? { variant: dto.variant ?? command.variant } : {}),
      },
      { admitted: true },
    );
  }

  /** OpenCode's order: built-ins, config commands over them, MCP prompts, then skills under names still free. */
  private async forProject(auth: AuthContext, project: { id: string; worktree: string }): Promise<CommandEntry[]> {
    const [config, prompts, skills] = await Promise.all([
      this.config.effective(auth, project.id),
      this.mcp.commands(auth, project),
      this.skills.list(auth.tenantId, project.worktree),
    ]);
    const byName = new Map<string, CommandEntry>(BUILTIN_COMMANDS.map((c) => [c.name, c]));
    for (const [name, c] of Object.entries(config.command ?? {})) {
      byName.set(name, {
        name,
        template: c.template,
        source: 'command',
        hints: templateHints(c.template),
        ...(c.description ? { description: c.description } : {}),
        ...(c.agent ? { agent: c.agent } : {}),
        ...(c.model ? { model: c.model } : {}),
        ...(c.variant ? { variant: c.variant } : {}),
        ...(c.subtask !== undefined ? { subtask: c.subtask } : {}),
      });
    }
    for (const p of prompts)
      byName.set(p.name, {
        name: p.name,
        source: 'mcp',
        template: p.template,
        hints: p.hints,
        ...(p.description ? { description: p.description } : {}),
      });
    for (const skill of skills) {
      if (!byName.has(skill.name))
        byName.set(skill.name, {
          name: skill.name,
          description: skill.description,
          source: 'skill',
          template: skill.content,
          hints: [],
        });
    }
    return [...byName.values()];
  }

  /** Each `` !`cmd` `` span's output, run in the bash sandbox in the project's folder. */
  private async runShellSpans(ws: Workspace, commands: string[]): Promise<string[]> {
    const tenant = await this.sandbox.forTenant(ws.tenantId, 'command');
    const outputs: string[] = [];
    for (const command of commands) {
      const res = await this.runner.run({
        command,
        cwd: ws.root,
        workspaceRoot: ws.root,
        env: { TERM: 'dumb' },
        timeoutMs: SHELL_TIMEOUT_MS,
        ...tenant,
      });
      outputs.push(res.output.trimEnd() + (res.timedOut ? `\n[command timed out after ${SHELL_TIMEOUT_MS} ms]` : ''));
    }
    return outputs;
  }

  /** `@path` references to files inside the workspace become file parts; anything refused stays plain text. */
  private async fileParts(ws: Workspace, text: string): Promise<PromptPartInput[]> {
    const parts: PromptPartInput[] = [];
    const seen = new Set<string>();
    for (const ref of fileReferences(text).slice(0, MAX_FILE_REFERENCES)) {
      const file = await ws.readBytes(ref.path, { maxBytes: MAX_ATTACHED_BYTES }).catch(() => undefined);
      if (!file || seen.has(file.resolved.relative)) continue;
      seen.add(file.resolved.relative);
      const mime =
        imageMime(file.resolved.real) ??
        (isPdf(file.resolved.real)
          ? 'application/pdf'
          : mimeOf(file.resolved.real).startsWith('text/')
            ? mimeOf(file.resolved.real)
            : 'text/plain');
      parts.push({
        type: 'file',
        mime,
        url: `data:${mime};base64,${file.data.toString('base64')}`,
        filename: path.basename(file.resolved.relative),
        source: {
          type: 'file',
          path: file.resolved.relative,
          text: { value: text.slice(ref.start, ref.end), start: ref.start, end: ref.end },
        },
      });
    }
    return parts;
  }
}

/** Invoking a skill or an MCP prompt is the user's own use of it: the `skill` rules, or the server's tool rules. */
function invokedPermission(command: CommandEntry): { permission: string; patterns: string[] } | undefined {
  if (command.source === 'skill') return { permission: 'skill', patterns: [command.name] };
  if (command.source === 'mcp') {
    const [server, ...prompt] = command.name.split(':');
    return { permission: `${server}_${prompt.join(':')}`, patterns: ['*'] };
  }
  return undefined;
}

function parseModel(ref: string): { providerID: string; modelID: string } {
  const i = ref.indexOf('/');
  return { providerID: ref.slice(0, i), modelID: ref.slice(i + 1) };
}
