// MCP shapes shared by the pool, the converters and (later) the HTTP layer. Config and status types match
// OpenCode's OpenAPI schemas `McpLocalConfig`, `McpRemoteConfig`, `McpOAuthConfig` and `MCPStatus`.
import type { ToolContext, ToolResult } from '../tool/tool.types';

export interface McpLocalConfig {
  type: 'local';
  /** Command and arguments; never run through a shell. */
  command: string[];
  cwd?: string;
  environment?: Record<string, string>;
  enabled?: boolean;
  /** Per-request timeout in ms. */
  timeout?: number;
}

export interface McpOAuthConfig {
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  callbackPort?: number;
  redirectUri?: string;
}

export interface McpRemoteConfig {
  type: 'remote';
  url: string;
  enabled?: boolean;
  headers?: Record<string, string>;
  /** `false` turns OAuth auto-detection off: a 401 is then a plain failure. */
  oauth?: McpOAuthConfig | false;
  timeout?: number;
}

export type McpServerConfig = McpLocalConfig | McpRemoteConfig;

export type McpStatus =
  | { status: 'connected' }
  | { status: 'disabled' }
  | { status: 'failed'; error: string }
  | { status: 'needs_auth' }
  | { status: 'needs_client_registration'; error: string };

export type McpStatusMap = Record<string, McpStatus>;

/**
 * Which pool a server belongs to. Connections are shared per (tenant, project); a `userId` makes the
 * connection (and its OAuth tokens) private to one user, for remote servers that act on a user's behalf.
 */
export interface McpKey {
  tenantId: string;
  projectId: string;
  userId?: string;
}

/** Minimal structured logger (pino's call shape) so the pool does not depend on the logging module. */
export interface McpLogger {
  warn(obj: Record<string, unknown>, msg?: string): void;
  debug(obj: Record<string, unknown>, msg?: string): void;
}

export type JsonSchemaObject = { type: 'object'; properties?: Record<string, unknown>; required?: string[] } & Record<
  string,
  unknown
>;

/**
 * An MCP tool as the tool registry sees it. It differs from `ToolDefinition` in one way: parameters are a
 * JSON Schema (`inputSchema`) coming from the server, not a zod schema. The registry should hand
 * `inputSchema` to the model unchanged (it is already `type: object`, `additionalProperties: false` unless
 * the server said otherwise), skip zod validation (the MCP server validates its own arguments and
 * answers with `isError`), and apply the usual output truncation to `execute`'s result. `execute` asks
 * permission itself, so the registry must not ask a second time.
 */
export interface McpToolDefinition {
  id: string;
  description: string;
  inputSchema: JsonSchemaObject;
  source: 'mcp';
  server: string;
  /** The tool's name on its server (before sanitizing). */
  mcpName: string;
  execute(args: Record<string, unknown>, ctx: McpToolContext): Promise<ToolResult>;
}

/** The slice of `ToolContext` MCP tools use; a full ToolContext satisfies it. */
export type McpToolContext = Pick<ToolContext, 'ask' | 'abort'> & Partial<ToolContext>;

/** OpenCode's `Command` shape for MCP prompts (`source: 'mcp'`). */
export interface McpCommand {
  name: string;
  description?: string;
  source: 'mcp';
  /** Resolves the prompt with `$1`, `$2`, ... in place of its arguments, messages' text joined. */
  template: () => Promise<string>;
  hints: string[];
  server: string;
  prompt: string;
}

/** OpenCode's `McpResource`: `client` is the server name. */
export interface McpResource {
  name: string;
  uri: string;
  description?: string;
  mimeType?: string;
  client: string;
}

export interface McpResourceContent {
  uri: string;
  mimeType?: string;
  /** Set for text resources. */
  text?: string;
  /** data: URL, set for blob resources. */
  url?: string;
}
