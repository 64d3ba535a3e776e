import { spawn, type ChildProcess } from 'node:child_process';

/** What to launch for a `local` MCP server. `env` is complete: nothing is inherited implicitly. */
export interface McpSpawnSpec {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
  /** Identifies the server for sandboxing and logs. */
  tenantId: string;
  projectId: string;
  serverName: string;
}

/**
 * Launches a local server with piped stdio. The integrator replaces the default with one that wraps the
 * command in the bubblewrap sandbox; it must return a process whose stdin/stdout/stderr are pipes. It may be
 * async (the sandbox probes bubblewrap first) and may reject to refuse a command; the server is then `failed`.
 */
export type McpProcessSpawner = (spec: McpSpawnSpec) => ChildProcess | Promise<ChildProcess>;

/** The only variables a local server gets besides its configured `environment`. */
export interface McpBaseEnv {
  PATH: string;
  HOME?: string;
}

export function buildServerEnv(base: McpBaseEnv, environment: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = { PATH: base.PATH };
  if (base.HOME) env.HOME = base.HOME;
  return { ...env, ...(environment ?? {}) };
}

/** Spawns directly (no sandbox), without a shell, in its own process group so the whole tree can be killed. */
export function createDirectSpawner(): (spec: McpSpawnSpec) => ChildProcess {
  return (spec) =>
    spawn(spec.command, spec.args, {
      env: spec.env,
      cwd: spec.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      shell: false,
      detached: true,
      windowsHide: true,
    });
}
