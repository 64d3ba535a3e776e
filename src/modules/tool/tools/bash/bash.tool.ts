import { realpathSync, statSync } from 'node:fs';
import { constants } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { z } from 'zod';
import { commandPrefix } from '../../../permission/bash-arity';
import type { SandboxRunner } from '../../../sandbox/sandbox-runner.service';
import type { SandboxIdentity, SandboxLimits, SandboxRunResult } from '../../../sandbox/sandbox.types';
import { ToolError, type ToolContext, type ToolDefinition } from '../../tool.types';
import { BASH_DESCRIPTION } from './bash.prompt';
import { splitCommands } from './command-split';

/** OpenCode keeps at most this much output in the tool part's live metadata. */
export const METADATA_OUTPUT_CHARS = 30_000;
export const DEFAULT_TIMEOUT_MS = 120_000;
export const METADATA_INTERVAL_MS = 100;

export const BashParametersSchema = z.object({
  command: z.string().min(1).describe('The command to run'),
  timeout: z.number().int().positive().optional().describe('Optional timeout in milliseconds'),
  workdir: z
    .string()
    .optional()
    .describe('Directory to run the command in, inside the workspace. Defaults to the workspace root.'),
  description: z
    .string()
    .describe('What the command does in 5-10 words, e.g. "Install dependencies" or "Show git status"'),
});
export type BashParameters = z.infer<typeof BashParametersSchema>;

export interface BashToolOptions {
  /** Usually the app's SandboxRunner; its mode (required/optional/off) is decided where it is built. */
  runner: Pick<SandboxRunner, 'run'>;
  defaults?: {
    timeoutMs?: number;
    /** Upper bound for a model-chosen timeout. */
    maxTimeoutMs?: number;
    /** Whether commands may use the network; per call so a tenant setting can decide. */
    network?: boolean | ((ctx: ToolContext) => boolean | Promise<boolean>);
    limits?: Partial<SandboxLimits>;
    /** E.g. one uid per tenant, so process caps are not shared between tenants. */
    identity?: (ctx: ToolContext) => SandboxIdentity | undefined;
    env?: Record<string, string>;
  };
}

/** The `bash` tool: permission per sub-command, then the command in the sandbox with live output. */
export function bashTool(options: BashToolOptions): ToolDefinition<typeof BashParametersSchema> {
  const defaults = options.defaults ?? {};
  const maxTimeout = defaults.maxTimeoutMs ?? 10 * 60_000;
  return {
    id: 'bash',
    description: BASH_DESCRIPTION,
    parameters: BashParametersSchema,
    async execute(args, ctx) {
      const cwd = resolveWorkdir(ctx.workspace.root, args.workdir);
      const timeoutMs = Math.min(args.timeout ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS, maxTimeout);
      await ctx.ask({
        permission: 'bash',
        ...bashPermission(args.command),
        metadata: { command: args.command, description: args.description },
      });

      let live = '';
      let lastEmit = 0;
      let pending: NodeJS.Timeout | undefined;
      // Each update may become a bus event and an SSE frame: at most one per METADATA_INTERVAL_MS. An update sent at
      // once cancels the timer still scheduled for an earlier chunk (late under load), which would send it again.
      const emit = () => {
        clearTimeout(pending);
        pending = undefined;
        lastEmit = Date.now();
        ctx.metadata({ metadata: { output: live, description: args.description } });
      };
      emit();
      const network =
        typeof defaults.network === 'function' ? await defaults.network(ctx) : (defaults.network ?? false);
      const result = await options.runner
        .run({
          command: args.command,
          cwd,
          workspaceRoot: ctx.workspace.root,
          env: defaults.env,
          timeoutMs,
          network,
          limits: defaults.limits,
          identity: defaults.identity?.(ctx),
          origin: { tenantId: ctx.auth.tenantId, userId: ctx.auth.userId, via: 'bash' },
          signal: ctx.abort,
          onOutput: (chunk) => {
            live = (live + chunk).slice(-METADATA_OUTPUT_CHARS);
            const wait = METADATA_INTERVAL_MS - (Date.now() - lastEmit);
            if (wait <= 0) emit();
            else pending ??= setTimeout(emit, wait);
          },
        })
        .finally(() => clearTimeout(pending));
      if (pending) emit();

      const output = result.output + notes(result, timeoutMs);
      return {
        title: args.description,
        output,
        metadata: {
          output: output.slice(-METADATA_OUTPUT_CHARS),
          exit: result.exitCode,
          description: args.description,
          truncated: result.truncated,
          outputPath: result.outputPath,
          sandboxed: result.sandboxed,
          network: result.network,
        },
      };
    },
  };
}

/** Patterns: each sub-command as written. Always: the command's identity words + " *" (`git commit *`). */
export function bashPermission(command: string): { patterns: string[]; always: string[] } {
  const commands = splitCommands(command);
  if (commands.length === 0) return { patterns: [command.trim()], always: [] };
  const patterns = unique(commands.map((c) => c.text));
  const always = unique(
    commands
      .map((c) => commandPrefix(c.words))
      .filter((prefix) => prefix.length > 0)
      .map((prefix) => `${prefix.join(' ')} *`),
  );
  return { patterns, always };
}

function resolveWorkdir(root: string, workdir: string | undefined): string {
  if (!workdir) return root;
  const target = isAbsolute(workdir) ? workdir : resolve(root, workdir);
  let real: string;
  try {
    real = realpathSync(target);
  } catch {
    throw new ToolError(`workdir does not exist: ${workdir}`);
  }
  const rel = relative(realpathSync(root), real);
  if (rel.startsWith('..') || isAbsolute(rel)) throw new ToolError(`workdir must be inside the workspace: ${workdir}`);
  if (!statSync(real).isDirectory()) throw new ToolError(`workdir is not a directory: ${workdir}`);
  return real;
}

function notes(result: SandboxRunResult, timeoutMs: number): string {
  const lines: string[] = [];
  if (result.note) lines.push(result.note);
  if (result.timedOut) lines.push(`bash tool terminated command after exceeding timeout ${timeoutMs} ms`);
  if (result.aborted) lines.push('User aborted the command');
  if (result.outputLimitHit) lines.push(`Command killed after writing ${result.totalBytes} bytes of output`);
  if (result.truncated) {
    lines.push(
      `Output truncated: ${result.totalBytes} bytes in total, only the beginning and the end are shown.` +
        (result.outputPath ? ` Full output saved to ${result.outputPath}` : ''),
    );
  }
  const killedBy = result.signal ?? signalOfExit(result.exitCode);
  if (killedBy && !result.timedOut && !result.aborted)
    lines.push(`Command terminated by signal ${killedBy}${limitHint(killedBy)}`);
  return lines.length ? `\n\n<shell_metadata>\n${lines.join('\n')}\n</shell_metadata>` : '';
}

/** Shells report a child killed by signal N as exit status 128 + N. */
function signalOfExit(code: number | null): string | null {
  if (code === null || code <= 128 || code > 128 + 64) return null;
  return Object.entries(constants.signals).find(([, number]) => number === code - 128)?.[0] ?? null;
}

function limitHint(signal: string): string {
  if (signal === 'SIGXCPU') return ' (CPU time limit reached)';
  if (signal === 'SIGXFSZ') return ' (file size limit reached)';
  if (signal === 'SIGKILL') return ' (killed, possibly by a resource limit)';
  return '';
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
