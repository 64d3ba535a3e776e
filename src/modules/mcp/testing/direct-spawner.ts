import { spawn, type ChildProcess } from 'node:child_process';
import type { McpSpawnSpec } from '../stdio/mcp-process.spawner';

/** Tests only: spawns directly (no sandbox), without a shell, in its own process group so the whole tree can be killed. */
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
