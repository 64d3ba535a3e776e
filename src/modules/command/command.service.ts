import { Injectable } from '@nestjs/common';
import path from 'node:path';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError, NotFoundError } from '../../core/errors/domain-error';
import { AgentService } from '../agent/agent.service';
import { ConfigService } from '../config/config.service';
import { McpService } from '../mcp/mcp.service';
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
import { applyArguments, fileReferences, shellSpans } from './command.template';
import type { CommandDto } from './dto/command.dto';

const SHELL_TIMEOUT_MS = 30_000;
const MAX_SHELL_SPANS = 10;
const MAX_FILE_REFERENCES = 20;
const MAX_ATTACHED_BYTES = 2 * 1024 * 1024;

/** An MCP prompt's template is fetched from its server only when listed or run. */
type CommandEntry = Omit<CommandInfo, 'template'> & { template: string | (() => Promise<string>) };

const templateOf = (c: CommandEntry): Promise<string> => (typeof c.template === 'string' ? Promise.resolve(c.template) : c.template());

/** GET /command and POST /session/{id}/command: templates expanded, then sent through the normal prompt path. */
@Injectable()
export class CommandService {
  constructor(
    private readonly projects: ProjectService,
    private readonly config: ConfigService,
    private readonly sessions: SessionService,
    private readonly prompts: SessionPromptService,
    private readonly agents: AgentService,
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
    const command = (await this.forProject(auth, { id: row.projectId, worktree: row.directory })).find((c) => c.name === dto.command);
    if (!command) throw new NotFoundError(`Command not found: ${dto.command}`, { command: dto.command });
    const agent = await this.agents.get(auth, command.agent ?? dto.agent, row.projectId);
    const modelRef = dto.model ?? command.model;
    const model = modelRef ? parseModel(modelRef) : undefined;
    // Before the template's shell spans run: a spent budget refuses the command like a prompt.
    await this.prompts.admit(auth, row);
    const ws = await this.workspaces.get(row.tenantId, path.basename(row.directory));

    const expanded = applyArguments(await templateOf(command), dto.arguments);
    // An MCP server's prompt text is not ours to run: its !`cmd` spans stay text.
    const text = command.source === 'mcp' ? expanded : await this.runShellSpans(ws, expanded);
    const subtask = agent.mode === 'subagent' || command.subtask === true;
    const parts: PromptPartInput[] = subtask
      ? [{ type: 'subtask', prompt: text, description: command.description ?? command.name, agent: agent.name, command: command.name, ...(model ? { model } : {}) }]
      : [{ type: 'text', text }, ...(await this.fileParts(ws, text)), ...(dto.parts ?? [])];
    this.sessions.publish(row, EventType.CommandExecuted, { name: command.name, sessionID: row.id, arguments: dto.arguments, messageID: dto.messageID });
    return this.prompts.prompt(auth, row.id, {
      parts,
      messageID: dto.messageID,
      agent: subtask ? dto.agent : agent.name,
      ...(model ? { model } : {}),
      ...(dto.variant ?? command.variant ? { variant: dto.variant ?? command.variant } : {}),
    }, { admitted: true });
  }

  /** OpenCode's order: built-ins, config commands over them, MCP prompts, then skills under names still free. */
  private async forProject(auth: AuthContext, project: { id: string; worktree: string }): Promise<CommandEntry[]> {
    const [config, prompts, skills] = await Promise.all([this.config.effective(auth, project.id), this.mcp.commands(auth, project), this.skills.list(auth.tenantId, project.worktree)]);
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
    for (const p of prompts) byName.set(p.name, { name: p.name, source: 'mcp', template: p.template, hints: p.hints, ...(p.description ? { description: p.description } : {}) });
    for (const skill of skills) {
      if (!byName.has(skill.name)) byName.set(skill.name, { name: skill.name, description: skill.description, source: 'skill', template: skill.content, hints: [] });
    }
    return [...byName.values()];
  }

  /** Each `` !`cmd` `` becomes its output, run in the bash sandbox in the project's folder. */
  private async runShellSpans(ws: Workspace, text: string): Promise<string> {
    const spans = shellSpans(text);
    if (spans.length > MAX_SHELL_SPANS) throw new BadRequestError(`A command template may run at most ${MAX_SHELL_SPANS} shell commands`);
    let out = text;
    const tenant = spans.length ? await this.sandbox.forTenant(ws.tenantId) : undefined;
    for (const span of spans) {
      const res = await this.runner.run({ command: span.command, cwd: ws.root, workspaceRoot: ws.root, env: { TERM: 'dumb' }, timeoutMs: SHELL_TIMEOUT_MS, ...tenant });
      const note = res.timedOut ? `\n[command timed out after ${SHELL_TIMEOUT_MS} ms]` : '';
      out = out.replace(span.match, () => res.output.trimEnd() + note);
    }
    return out;
  }

  /** `@path` references to files inside the workspace become file parts; anything refused stays plain text. */
  private async fileParts(ws: Workspace, text: string): Promise<PromptPartInput[]> {
    const parts: PromptPartInput[] = [];
    const seen = new Set<string>();
    for (const ref of fileReferences(text).slice(0, MAX_FILE_REFERENCES)) {
      const file = await ws.readBytes(ref.path, { maxBytes: MAX_ATTACHED_BYTES }).catch(() => undefined);
      if (!file || seen.has(file.resolved.relative)) continue;
      seen.add(file.resolved.relative);
      const mime = imageMime(file.resolved.real) ?? (isPdf(file.resolved.real) ? 'application/pdf' : mimeOf(file.resolved.real).startsWith('text/') ? mimeOf(file.resolved.real) : 'text/plain');
      parts.push({
        type: 'file',
        mime,
        url: `data:${mime};base64,${file.data.toString('base64')}`,
        filename: path.basename(file.resolved.relative),
        source: { type: 'file', path: file.resolved.relative, text: { value: text.slice(ref.start, ref.end), start: ref.start, end: ref.end } },
      });
    }
    return parts;
  }
}

function parseModel(ref: string): { providerID: string; modelID: string } {
  const i = ref.indexOf('/');
  return { providerID: ref.slice(0, i), modelID: ref.slice(i + 1) };
}
