// OpenCode's MCP naming: anything outside [a-zA-Z0-9_-] becomes `_`, so ids are valid tool names for every
// provider (several reject dots and spaces).
export function sanitizeMcpName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, '_');
}

export function mcpToolId(serverName: string, toolName: string): string {
  return `${sanitizeMcpName(serverName)}_${sanitizeMcpName(toolName)}`;
}

/** Prompts and resources are keyed `<server>:<name>` (OpenCode's command and resource keys). */
export function mcpEntryKey(serverName: string, name: string): string {
  return `${sanitizeMcpName(serverName)}:${sanitizeMcpName(name)}`;
}
