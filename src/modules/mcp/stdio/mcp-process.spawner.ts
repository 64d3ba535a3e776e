import type { ChildProcess } from 'node:child_process';

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
 * Launches a local server with piped stdio: in the app, the sandbox's (mcp-sandbox.spawner.ts); a pool given none
 * refuses local servers. It must return a process whose stdin/stdout/stderr are pipes. It may be async (the
 * sandbox probes bubblewrap first) and may reject to refuse a command; the server is then `failed`.
 */
export type McpProcessSpawner = (spec: McpSpawnSpec) => ChildProcess | Promise<ChildProcess>;

/** The only variables a local server gets besides its configured `environment`. */
export interface McpBaseEnv {
  PATH: string;
  HOME?: string;
}

export function buildServerEnv(
  base: McpBaseEnv,
  environment: Record<string, string> | undefined,
): Record<string, string> {
  const env: Record<string, string> = { PATH: base.PATH };
  if (base.HOME) env.HOME = base.HOME;
  return { ...env, ...(environment ?? {}) };
}

/** A pool's spawner when it was given none: local servers never start on the host by default. */
export const refuseLocalServers: McpProcessSpawner = (spec) => {
  throw new Error(`Local MCP server ${spec.serverName} not started: no sandboxed spawner is configured`);
};
