// All MCP connections of the process, keyed by (tenant, project[, user]) and server name. Framework-free:
// the Nest module wraps one instance and calls `closeAll()` on shutdown. The connections' life is
// McpServerRegistry's; this class turns connected servers into tools, commands and resources, and runs OAuth.
import { ToolError } from '../tool/tool.types';
import type {
  McpCommand,
  McpKey,
  McpResource,
  McpResourceContent,
  McpServerConfig,
  McpStatus,
  McpStatusMap,
  McpToolDefinition,
} from './mcp.types';
import { errorMessage } from './mcp-error.util';
import { convertMcpTool } from './convert/mcp-tool.converter';
import { convertMcpPrompt } from './convert/mcp-prompt.converter';
import { DEFAULT_RESULT_LIMITS, type McpResultLimits } from './convert/mcp-result.converter';
import { mcpEntryKey } from './convert/mcp-naming';
import type { McpAuthStatus } from './oauth/mcp-oauth.provider';
import { McpOAuthManager } from './oauth/mcp-oauth.manager';
import type { McpClientPoolOptions } from './mcp-client-pool.options';
import { McpServerRegistry } from './mcp-server.registry';

export type { McpClientPoolOptions, McpReconnectPolicy } from './mcp-client-pool.options';

export class McpClientPool {
  private readonly servers: McpServerRegistry;
  private readonly timeoutMs: number;
  private readonly limits: McpResultLimits;
  private readonly oauth: McpOAuthManager;

  constructor(private readonly options: McpClientPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.limits = { ...DEFAULT_RESULT_LIMITS, ...options.resultLimits };
    this.servers = new McpServerRegistry(options, (key, name, config) => this.oauth.providerFor(key, name, config));
    this.oauth = new McpOAuthManager(
      options.oauth,
      {
        config: (key, name) => this.servers.entry(key, name).config,
        reconnect: (key, name) => this.connect(key, name, this.servers.entry(key, name).config),
        setStatus: (key, name, status) => this.servers.setStatus(this.servers.entry(key, name), status),
      },
      options.fetch,
    );
  }

  /** Adds or replaces a server and connects it; resolves with its status (never rejects for server faults). */
  connect(key: McpKey, name: string, config: McpServerConfig): Promise<McpStatus> {
    return this.servers.connect(key, name, config);
  }

  /** Closes the connection but remembers the server, as `disabled` (OpenCode's `/disconnect`). */
  disconnect(key: McpKey, name: string): Promise<void> {
    return this.servers.disconnect(key, name);
  }

  /** Forgets a server entirely. */
  remove(key: McpKey, name: string): Promise<void> {
    return this.servers.remove(key, name);
  }

  status(key: McpKey): McpStatusMap {
    return this.servers.status(key);
  }

  async tools(key: McpKey): Promise<McpToolDefinition[]> {
    const lists = await Promise.all(
      this.servers.connected(key).map(async (entry) => {
        const listed = await this.servers.listedTools(entry);
        return listed.map((tool) =>
          convertMcpTool(
            entry.name,
            tool,
            (toolName, args, signal) => this.callTool(key, entry.name, toolName, args, signal),
            this.limits,
          ),
        );
      }),
    );
    return lists.flat();
  }

  async commands(key: McpKey): Promise<McpCommand[]> {
    const lists = await Promise.all(
      this.servers.connected(key).map(async (entry) => {
        try {
          const prompts = await this.servers.use(entry, (connection) => connection.listPrompts());
          return prompts.map((prompt) =>
            convertMcpPrompt(entry.name, prompt, (name, args) =>
              this.servers.use(this.servers.entry(key, entry.name), (connection) => connection.getPrompt(name, args)),
            ),
          );
        } catch (error) {
          this.options.logger?.warn({ server: entry.name, error: errorMessage(error) }, 'mcp prompts/list failed');
          return [];
        }
      }),
    );
    return lists.flat();
  }

  /** OpenCode's `/experimental/resource` map, keyed `<server>:<resource name>`. */
  async listResources(key: McpKey): Promise<Record<string, McpResource>> {
    const out: Record<string, McpResource> = {};
    await Promise.all(
      this.servers.connected(key).map(async (entry) => {
        try {
          for (const resource of await this.servers.use(entry, (connection) => connection.listResources())) {
            out[mcpEntryKey(entry.name, resource.name)] = {
              name: resource.name,
              uri: resource.uri,
              ...(resource.description ? { description: resource.description } : {}),
              ...(resource.mimeType ? { mimeType: resource.mimeType } : {}),
              client: entry.name,
            };
          }
        } catch (error) {
          this.options.logger?.warn({ server: entry.name, error: errorMessage(error) }, 'mcp resources/list failed');
        }
      }),
    );
    return out;
  }

  /** Reads a resource for a file part with `source.type: 'resource'`; blobs come back as data URLs. */
  async readResource(key: McpKey, serverName: string, uri: string): Promise<McpResourceContent[]> {
    const entry = this.servers.entry(key, serverName);
    const result = await this.servers.use(entry, (connection) => connection.readResource(uri));
    return result.contents.map((content) => {
      const base = { uri: content.uri, ...(content.mimeType ? { mimeType: content.mimeType } : {}) };
      if ('text' in content && typeof content.text === 'string') return { ...base, text: content.text };
      const blob = 'blob' in content && typeof content.blob === 'string' ? content.blob : '';
      return { ...base, url: `data:${content.mimeType ?? 'application/octet-stream'};base64,${blob}` };
    });
  }

  startAuth(key: McpKey, name: string): Promise<{ authorizationUrl: string; oauthState: string }> {
    return this.oauth.startAuth(key, name);
  }

  finishAuth(key: McpKey, name: string, code: string, oauthState?: string): Promise<McpStatus> {
    return this.oauth.finishAuth(key, name, code, oauthState);
  }

  authStatus(key: McpKey, name: string): Promise<McpAuthStatus> {
    return this.oauth.authStatus(key, name);
  }

  removeAuth(key: McpKey, name: string): Promise<McpStatus> {
    return this.oauth.removeAuth(key, name);
  }

  closeAll(): Promise<void> {
    return this.servers.closeAll();
  }

  /** Resolves the server by name at call time: tool objects outlive reconnects and config replacements. */
  private async callTool(
    key: McpKey,
    name: string,
    toolName: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<Record<string, unknown>> {
    try {
      const entry = this.servers.entry(key, name);
      const timeout = entry.config.timeout ?? this.options.callTimeoutMs ?? this.timeoutMs;
      return await this.servers.use(entry, (connection) => connection.callTool(toolName, args, timeout, { signal }));
    } catch (error) {
      // The model reads tool errors; internal class names mean nothing to it.
      throw error instanceof ToolError ? error : new ToolError(`MCP server ${name}: ${errorMessage(error)}`);
    }
  }
}
