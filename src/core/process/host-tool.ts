import { spawn, type ChildProcessByStdio, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';

/**
 * The server's own helper binaries, run on the host outside the command sandbox with argv the server builds and
 * validates (object ids, paths inside the workspace, `--end-of-options`). Everything a user asks to run goes
 * through the sandbox module's SandboxRunner instead; src/modules/sandbox/spawn-door.spec.ts keeps those two the
 * only places that start processes.
 */
export const HOST_TOOLS: readonly string[] = ['git', 'rg', 'find'];

export class HostToolError extends Error {}

export interface HostToolOptions {
  cwd?: string;
  /** Complete: nothing is inherited from the server's environment. */
  env: Record<string, string>;
}

export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin: 'ignore' },
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin?: 'pipe' },
): ChildProcessWithoutNullStreams;
export function spawnHostTool(
  binary: string,
  args: readonly string[],
  options: HostToolOptions & { stdin?: 'pipe' | 'ignore' },
) {
  if (!HOST_TOOLS.includes(basename(binary)))
    throw new HostToolError(
      `${binary} is not one of the host tools (${HOST_TOOLS.join(', ')}); commands run in the sandbox`,
    );
  return spawn(binary, [...args], {
    cwd: options.cwd,
    env: options.env,
    stdio: [options.stdin ?? 'pipe', 'pipe', 'pipe'],
    shell: false,
    windowsHide: true,
  });
}
