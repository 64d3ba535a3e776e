import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { findGitReadProblem } from '../workspace/git-readable';
import { VcsUnsafeFileError } from './vcs.errors';
import type { SandboxIdentity } from '../sandbox/sandbox.types';

// Overrides on every call: the workspace's own .git/config is the student's and could name commands
// (fsmonitor, hooks, pager, external diff) that must not run; inside the sandbox they would be confined
// anyway, with SANDBOX=off these flags are the only guard.
const HARDENING = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'core.quotepath=false',
  'core.untrackedCache=false',
  'color.ui=false',
  'diff.external=',
  'protocol.allow=never',
].flatMap((kv) => ['-c', kv]);

const MARK = '\u0001oc-git-section ';

export interface GitSections {
  [name: string]: string;
}

/** `find` over a workspace is lstat only; a bound still, for a stalled file system. */
const GIT_CHECK_TIMEOUT_MS = 10_000;

/**
 * Whether the workspace is a repository git may be run on. With SANDBOX=off git runs on the host, and a FIFO
 * named `.gitignore` (or inside `.git`) would block it on open(); in the sandbox it would hold a sandbox for the
 * whole timeout. Such a file is found by lstat first and refused with a 409 naming it. Every route that runs git
 * on a workspace (vcs, patches, worktrees) asks this first.
 */
export async function gitMayRun(root: string): Promise<boolean> {
  if (!(await isGitWorkspace(root))) return false;
  const problem = await findGitReadProblem(root, { timeoutMs: GIT_CHECK_TIMEOUT_MS, gitDir: true }).catch(
    (error: Error) => ({ file: '.', reason: `the workspace could not be checked (${error.message})` }),
  );
  if (problem) throw new VcsUnsafeFileError(problem.file, problem.reason);
  return true;
}

/** Whether the workspace root itself holds a real `.git` folder (a `.git` file or link could point anywhere). */
export async function isGitWorkspace(root: string): Promise<boolean> {
  const st = await lstat(path.join(root, '.git')).catch(() => undefined);
  return !!st?.isDirectory();
}

function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

const GIT_ENV = (root: string) => ({
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_TERMINAL_PROMPT: '0',
  GIT_OPTIONAL_LOCKS: '0',
  GIT_CEILING_DIRECTORIES: path.dirname(root),
  GIT_PAGER: 'cat',
  LC_ALL: 'C',
});

export interface GitCommandResult {
  code: number | null;
  /** stdout and stderr, merged (for error messages). */
  output: string;
}

/**
 * One git command that changes the workspace (init, apply, worktree), in the command sandbox like the student's own
 * `git`: the repository's config, hooks and filters are the student's, so they run with the student's rights only.
 * Arguments are quoted one by one; callers validate names and put revisions after `--end-of-options`.
 */
export async function runGitCommand(
  runner: Pick<SandboxRunner, 'run'>,
  root: string,
  args: string[],
  opts: { cwd?: string; identity?: SandboxIdentity; timeoutMs?: number } = {},
): Promise<GitCommandResult> {
  const result = await runner.run({
    command: `/usr/bin/git ${[...HARDENING, ...args].map(shellQuote).join(' ')}`,
    cwd: opts.cwd ?? root,
    workspaceRoot: root,
    timeoutMs: opts.timeoutMs ?? 60_000,
    network: false,
    identity: opts.identity,
    env: GIT_ENV(root),
    limits: { outputBytes: 256 * 1024 },
  });
  return { code: result.timedOut ? null : result.exitCode, output: result.output };
}

/**
 * Runs several read-only git commands in one sandboxed shell (one bwrap start instead of several) and
 * splits their stdout by section. stderr is discarded so warnings cannot corrupt the parsed output.
 */
export async function runGitSections(
  runner: Pick<SandboxRunner, 'run'>,
  root: string,
  commands: Record<string, string[]>,
  signal?: AbortSignal,
  identity?: SandboxIdentity,
): Promise<GitSections> {
  const script = Object.entries(commands)
    .map(
      ([name, args]) =>
        `printf '%s\\n' ${shellQuote(MARK + name)}; /usr/bin/git ${[...HARDENING, ...args].map(shellQuote).join(' ')} 2>/dev/null`,
    )
    .join('; ');
  const result = await runner.run({
    command: script,
    cwd: root,
    workspaceRoot: root,
    timeoutMs: 30_000,
    network: false,
    identity,
    signal,
    env: GIT_ENV(root),
    limits: { outputBytes: 8 * 1024 * 1024, killAfterOutputBytes: 16 * 1024 * 1024 },
  });
  const sections: GitSections = {};
  let current: string | undefined;
  const lines: string[] = [];
  const flush = () => {
    if (current !== undefined) sections[current] = lines.join('\n');
    lines.length = 0;
  };
  for (const line of result.output.split('\n')) {
    if (line.startsWith(MARK)) {
      flush();
      current = line.slice(MARK.length);
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return sections;
}
