// Local MCP servers run inside the same bubblewrap sandbox as `bash` (SandboxRunner.spawnProcess), in the
// project's workspace, as the tenant's sandbox uid, and only when the tenant's allow-list admits the command.
import path from 'node:path';
import { ForbiddenError } from '../../core/errors/domain-error';
import type { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { identityForTenant } from '../sandbox/workspace-access';
import type { McpProcessSpawner } from './stdio/mcp-process.spawner';
import type { McpRepository } from './mcp.repository';

export interface McpSandboxSpawnerDeps {
  runner: SandboxRunner;
  repo: Pick<McpRepository, 'tenantSettings'>;
  /** The project's worktree: the sandbox's writable root. */
  workspaceFor: (tenantId: string, projectId: string) => string | undefined;
}

/**
 * `Tenant.settings.mcpCommands`, when it is an array, lists the executables local servers may start. An entry
 * with a slash must equal the command exactly (an absolute path); an entry without one admits only that bare
 * name, looked up on the server's PATH, so a same-named binary dropped into a workspace does not pass.
 * No list: any command (the sandbox still confines it).
 */
export function commandAllowed(command: string, allowList: unknown): boolean {
  if (!Array.isArray(allowList)) return true;
  return allowList.some((entry) => typeof entry === 'string' && entry.length > 0 && entry === command);
}

export function createSandboxSpawner(deps: McpSandboxSpawnerDeps): McpProcessSpawner {
  return async (spec) => {
    const settings = await deps.repo.tenantSettings(spec.tenantId);
    if (!commandAllowed(spec.command, settings.mcpCommands)) {
      throw new ForbiddenError(
        `Command ${path.basename(spec.command)} is not in this school's allowed MCP commands`,
        'mcp_command_not_allowed',
      );
    }
    const workspaceRoot = deps.workspaceFor(spec.tenantId, spec.projectId) ?? spec.cwd;
    if (!workspaceRoot) throw new Error(`No workspace known for project ${spec.projectId}`);
    return deps.runner.spawnProcess({
      argv: [spec.command, ...spec.args],
      workspaceRoot,
      cwd: spec.cwd ?? workspaceRoot,
      env: spec.env,
      // Servers reach the network only where the school lets bash do so.
      network: settings.bashNetwork === true,
      identity: identityForTenant(spec.tenantId),
      origin: { tenantId: spec.tenantId, via: `mcp:${spec.serverName}` },
    });
  };
}
