import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpKey, McpLogger, McpStatus } from './mcp.types';
import type { McpResultLimits } from './convert/mcp-result.converter';
import type { McpBaseEnv, McpProcessSpawner } from './stdio/mcp-process.spawner';
import type { StdioProcessTransportOptions } from './stdio/stdio-process.transport';
import type { McpOAuthSettings } from './oauth/mcp-oauth.flow';

export interface McpReconnectPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

export interface McpClientPoolOptions {
  /** PATH (and HOME) handed to local servers; nothing else of our environment leaks to them. */
  baseEnv: McpBaseEnv;
  spawner?: McpProcessSpawner;
  /** Default per-request timeout (connect, list, call); a server's `timeout` overrides it. */
  timeoutMs?: number;
  /** Default for tool calls only (OpenCode's `experimental.mcp_timeout`); falls back to `timeoutMs`. */
  callTimeoutMs?: number;
  /** Close connections unused this long; they reopen on next use. 0 keeps them open. */
  idleMs?: number;
  reconnect?: Partial<McpReconnectPolicy>;
  stdio?: Partial<StdioProcessTransportOptions>;
  resultLimits?: Partial<McpResultLimits>;
  /** Without it remote servers that need OAuth end up `needs_auth` and `startAuth` is refused. */
  oauth?: McpOAuthSettings;
  fetch?: FetchLike;
  clientInfo?: { name: string; version: string };
  /** Working directory for local servers (the project's folder); `config.cwd` wins. */
  cwdFor?: (key: McpKey) => string | undefined;
  logger?: McpLogger;
  onToolsChanged?: (key: McpKey, serverName: string) => void;
  onStatusChanged?: (key: McpKey, serverName: string, status: McpStatus) => void;
}
