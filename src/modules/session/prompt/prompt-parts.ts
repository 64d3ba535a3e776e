import { Inject, Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { BadRequestError, NotFoundError } from '../../../core/errors/domain-error';
import { hostPathOf } from '../../../core/http/host-paths';
import { PermissionService } from '../../permission/permission.service';
import { ToolRegistry } from '../../tool/tool.registry';
import { ToolError, type ToolContext, type ToolResult } from '../../tool/tool.types';
import { workspaceOf } from '../../workspace/workspace';
import { WorkspaceManager } from '../../workspace/workspace-manager';
import { outsideError } from '../../workspace/workspace-path';
import type { SessionRow } from '../session.repository';
import { TurnContextService } from '../turn/turn-context.service';
import type { PromptPartInput } from './prompt-input';

/** OpenCode's text after an @agent mention: the model is to delegate to that subagent. */
export const agentMentionText = (name: string) =>
  ` Use the above message and context to generate a prompt and call the task tool with subagent: ${name}`;

/** A `file://` URL's path and its `?start=&end=` line range (OpenCode's editor selections). */
function fileTarget(url: string): { path: string; offset?: number; limit?: number } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BadRequestError(`Invalid file URL: ${url.slice(0, 200)}`, {}, 'file_part_invalid');
  }
  if (parsed.host) throw new BadRequestError('file URLs must not name a host', {}, 'file_part_invalid');
  const start = Number(parsed.searchParams.get('start') ?? NaN);
  const end = Number(parsed.searchParams.get('end') ?? NaN);
  const offset = Number.isInteger(start) && start >= 1 ? start : undefined;
  const limit = offset && Number.isInteger(end) && end >= offset ? end - offset + 1 : undefined;
  return { path: decodeURIComponent(parsed.pathname), ...(offset ? { offset } : {}), ...(limit ? { limit } : {}) };
}

/**
 * Prompt parts that stand for something else (OpenCode's resolvePromptParts): a `file://` part is read from the
 * project's workspace through the read tool — confined to the workspace (no `..`, no foreign absolute path, no
 * symlink out), under the session's permission layers as the user's own action (a deny refuses with 403, an ask
 * does not block) — and becomes the read call's text before the part itself; an `agent` part gets the text asking
 * the model to delegate to that subagent.
 */
@Injectable()
export class PromptPartResolver {
  constructor(
    private readonly workspaces: WorkspaceManager,
    private readonly tools: ToolRegistry,
    private readonly permissions: PermissionService,
    private readonly turns: TurnContextService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async expand(
    auth: AuthContext,
    row: SessionRow,
    agent: string,
    messageId: string,
    parts: PromptPartInput[],
  ): Promise<PromptPartInput[]> {
    const out: PromptPartInput[] = [];
    let ctx: ToolContext | undefined;
    for (const part of parts) {
      if (part.type === 'agent' && part.name) {
        out.push(part, { type: 'text', text: agentMentionText(part.name), synthetic: true });
      } else if (part.type === 'file' && part.url?.startsWith('file:')) {
        ctx ??= await this.context(auth, row, agent, messageId);
        out.push(...(await this.readFile(ctx, part)));
      } else out.push(part);
    }
    return out;
  }

  private async readFile(ctx: ToolContext, part: PromptPartInput): Promise<PromptPartInput[]> {
    const target = fileTarget(part.url!);
    // Clients name files by the paths they were shown (`/workspace/<project>/…`).
    target.path = hostPathOf(this.config.workspaceRoot, ctx.auth.tenantId, target.path);
    const read = this.tools.get('read');
    if (!read) throw new BadRequestError('Files cannot be attached here', {}, 'file_part_invalid');
    // Confinement first, with its own statuses (403 outside the workspace or through a link out, 404 missing);
    // the read tool would hand these to a model as text.
    const resolved = await (await workspaceOf(ctx.workspace)).resolve(target.path);
    if (resolved.area !== 'project') throw outsideError(target.path);
    if (!resolved.stat) throw new NotFoundError(`File not found: ${target.path}`);
    const args = { filePath: target.path, ...(target.offset ? { offset: target.offset } : {}) };
    let result: ToolResult;
    try {
      result = await read.execute({ ...args, ...(target.limit ? { limit: target.limit } : {}) }, ctx);
    } catch (err) {
      // A permission deny keeps its 403; the read tool's other refusals (a binary file) are the caller's input.
      if (err instanceof ToolError) throw new BadRequestError(err.message, {}, 'file_part_unreadable');
      throw err;
    }
    const attachment = result.attachments?.[0];
    if (attachment)
      return [{ ...part, mime: attachment.mime, url: attachment.url, filename: part.filename ?? attachment.filename }];
    return [
      {
        type: 'text',
        synthetic: true,
        text: `Called the Read tool with the following input: ${JSON.stringify(args)}`,
      },
      { type: 'text', synthetic: true, text: result.output },
      part,
    ];
  }

  private async context(auth: AuthContext, row: SessionRow, agent: string, messageId: string): Promise<ToolContext> {
    const [workspace, ruleset] = await Promise.all([
      this.workspaces.get(row.tenantId, row.directory.split('/').pop()!),
      this.turns.permission(auth, row, agent),
    ]);
    const scope = { tenantId: row.tenantId, projectId: row.projectId, ownerId: row.userId, ruleset };
    return {
      auth,
      sessionId: row.id,
      messageId,
      callId: 'prompt-file',
      agent,
      workspace,
      abort: new AbortController().signal,
      // The user attaches their own file: a deny holds (403), an ask does not block.
      ask: (request) => this.permissions.assertUserMay(scope, request),
      metadata: () => undefined,
    };
  }
}
