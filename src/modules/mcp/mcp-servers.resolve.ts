// Which MCP servers a (tenant, project) has: the merged config's `mcp` map (platform → tenant → project), then
// McpServer rows (tenant-wide, then the project's) on top. A typeless `{enabled}` entry left in the merged
// config (its server is not in any config layer) switches a row-defined server on or off.
import { mcpConfigSchema, type McpConfig } from '../config/config.schema';
import type { McpServerConfig } from './mcp.types';
import type { McpServerRow } from './mcp.repository';

export type RowProblem = (row: McpServerRow, reason: string) => void;

function isServer(config: McpConfig): config is McpConfig & McpServerConfig {
  return config.type === 'local' || config.type === 'remote';
}

export function resolveServers(
  fromConfig: Record<string, McpConfig> | undefined,
  rows: McpServerRow[],
  onBadRow?: RowProblem,
): Map<string, McpServerConfig> {
  const servers = new Map<string, McpServerConfig>();
  const toggles = new Map<string, boolean>();
  for (const [name, entry] of Object.entries(fromConfig ?? {})) {
    if (isServer(entry)) servers.set(name, entry);
    else toggles.set(name, entry.enabled);
  }
  for (const row of rows) {
    if (row.config && typeof row.config === 'object' && 'oauthOnly' in row.config) continue;
    const parsed = mcpConfigSchema.safeParse(row.config);
    if (!parsed.success || !isServer(parsed.data)) {
      onBadRow?.(row, parsed.success ? 'not a local or remote server' : parsed.error.message);
      continue;
    }
    servers.set(row.name, parsed.data);
  }
  for (const [name, enabled] of toggles) {
    const server = servers.get(name);
    if (server) servers.set(name, { ...server, enabled });
  }
  return servers;
}

/** Key order does not change a config's identity. */
export function configFingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}
