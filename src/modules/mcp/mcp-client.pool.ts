// All MCP connections of the process, keyed by (tenant, project[, user]) and server name. Framework-free:
// the Nest module wraps one instance and calls `closeAll()` on shutdown.
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
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
import { McpNotConnectedError, McpServerNotFoundError } from './mcp.errors';
import { McpConnection } from './mcp-connection';
import { errorMessage, httpStatus, isTransportFailure } from './mcp-error.util';
import { convertMcpTool, type McpListedTool } from './convert/mcp-tool.converter';
import { convertMcpPrompt } from './convert/mcp-prompt.converter';
import { DEFAULT_RESULT_LIMITS, type McpResultLimits } from './convert/mcp-result.converter';
import { mcpEntryKey } from './convert/mcp-naming';
import { refuseLocalServers, type McpProcessSpawner } from './stdio/mcp-process.spawner';
import { DEFAULT_STDIO_OPTIONS, type StdioProcessTransportOptions } from './stdio/stdio-process.transport';
import type { McpAuthStatus } from './oauth/mcp-oauth.provider';
import { isClientRegistrationError } from './oauth/mcp-oauth.flow';
import { McpOAuthManager } from './oauth/mcp-oauth.manager';
import type { McpClientPoolOptions, McpReconnectPolicy } from './mcp-client-pool.options';

export type { McpClientPoolOptions, McpReconnectPolicy } from './mcp-client-pool.options';

interface Entry {
  key: McpKey;
  name: string;
  config: McpServerConfig;
  status: McpStatus;
  connection?: McpConnection;
  opening?: Promise<void>;
  tools?: McpListedTool[];
  /** Bumped on every (re)open and close so callbacks from an older connection are ignored. */
  generation: number;
  idleTimer?: NodeJS.Timeout;
  reconnectTimer?: NodeJS.Timeout;
  reconnectAttempts: number;
  inflight: number;
}

const DEFAULT_RECONNECT: McpReconnectPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 5 };

function scopeId(key: McpKey): string {
  return JSON.stringify([key.tenantId, key.projectId, key.userId ?? null]);
}

export class McpClientPool {
  private readonly scopes = new Map<string, Map<string, Entry>>();
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly reconnect: McpReconnectPolicy;
  private readonly stdio: StdioProcessTransportOptions;
  private readonly limits: McpResultLimits;
  private readonly spawner: McpProcessSpawner;
  private readonly oauth: McpOAuthManager;

  constructor(private readonly options: McpClientPoolOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.stdio = { ...DEFAULT_STDIO_OPTIONS, ...options.stdio };
    this.limits = { ...DEFAULT_RESULT_LIMITS, ...options.resultLimits };
    this.spawner = options.spawner ?? refuseLocalServers;
    this.oauth = new McpOAuthManager(
      options.oauth,
      {
        config: (key, name) => this.entry(key, name).config,
        reconnect: (key, name) => this.connect(key, name, this.entry(key, name).config),
        setStatus: (key, name, status) => this.setStatus(this.entry(key, name), status),
      },
      options.fetch,
    );
  }

  /** Adds or replaces a server and connects it; resolves with its status (never rejects for server faults). */
  async connect(key: McpKey, name: string, config: McpServerConfig): Promise<McpStatus> {
    const scope = this.scope(key, true);
    const previous = scope.get(name);
    if (previous) await this.shutdown(previous);
    const entry: Entry = {
      key,
      name,
      config,
      status: { status: 'disabled' },
      generation: 0,
      reconnectAttempts: 0,
      inflight: 0,
    };
    scope.set(name, entry);
    if (config.enabled === false) {
      this.setStatus(entry, { status: 'disabled' });
      return entry.status;
    }
    await this.open(entry);
    return entry.status;
  }

  /** Closes the connection but remembers the server, as `disabled` (OpenCode's `/disconnect`). */
  async disconnect(key: McpKey, name: string): Promise<void> {
    const entry = this.entry(key, name);
    await this.shutdown(entry);
    this.setStatus(entry, { status: 'disabled' });
  }

  /** Forgets a server entirely. */
  async remove(key: McpKey, name: string): Promise<void> {
    const entry = this.entry(key, name);
    await this.shutdown(entry);
    this.scopes.get(scopeId(key))?.delete(name);
  }

  status(key: McpKey): McpStatusMap {
    const out: McpStatusMap = {};
    for (const [name, entry] of this.scope(key, false) ?? []) out[name] = entry.status;
    return out;
  }

  async tools(key: McpKey): Promise<McpToolDefinition[]> {
    const lists = await Promise.all(
      this.connected(key).map(async (entry) => {
        const listed = await this.listedTools(entry);
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
      this.connected(key).map(async (entry) => {
        try {
          const prompts = await this.use(entry, (connection) => connection.listPrompts());
          return prompts.map((prompt) =>
            convertMcpPrompt(entry.name, prompt, (name, args) =>
              this.use(this.entry(key, entry.name), (connection) => connection.getPrompt(name, args)),
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
      this.connected(key).map(async (entry) => {
        try {
          for (const resource of await this.use(entry, (connection) => connection.listResources())) {
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
    const entry = this.entry(key, serverName);
    const result = await this.use(entry, (connection) => connection.readResource(uri));
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

  async closeAll(): Promise<void> {
    const entries = [...this.scopes.values()].flatMap((scope) => [...scope.values()]);
    this.scopes.clear();
    await Promise.all(entries.map((entry) => this.shutdown(entry)));
  }

  // ---- internals ----

  private scope(key: McpKey, create: true): Map<string, Entry>;
  private scope(key: McpKey, create: false): Map<string, Entry> | undefined;
  private scope(key: McpKey, create: boolean): Map<string, Entry> | undefined {
    const id = scopeId(key);
    let scope = this.scopes.get(id);
    if (!scope && create) this.scopes.set(id, (scope = new Map()));
    return scope;
  }

  private entry(key: McpKey, name: string): Entry {
    const entry = this.scope(key, false)?.get(name);
    if (!entry) throw new McpServerNotFoundError(name);
    return entry;
  }

  private connected(key: McpKey): Entry[] {
    return [...(this.scope(key, false)?.values() ?? [])].filter((entry) => entry.status.status === 'connected');
  }

  private setStatus(entry: Entry, status: McpStatus): void {
    entry.status = status;
    this.options.onStatusChanged?.(entry.key, entry.name, status);
  }

  private requestTimeout(entry: Entry): number {
    return entry.config.timeout ?? this.timeoutMs;
  }

  private open(entry: Entry): Promise<void> {
    if (entry.opening) return entry.opening;
    const generation = ++entry.generation;
    entry.opening = this.openOnce(entry, generation).finally(() => {
      if (entry.generation === generation) entry.opening = undefined;
    });
    return entry.opening;
  }

  private async openOnce(entry: Entry, generation: number): Promise<void> {
    const { key, name, config } = entry;
    const authProvider = this.oauth.providerFor(key, name, config);
    try {
      const connection = await McpConnection.open({
        tenantId: key.tenantId,
        projectId: key.projectId,
        name,
        config,
        timeoutMs: this.requestTimeout(entry),
        spawner: this.spawner,
        baseEnv: this.options.baseEnv,
        defaultCwd: this.options.cwdFor?.(key),
        stdio: this.stdio,
        fetch: this.options.fetch,
        authProvider,
        clientInfo: this.options.clientInfo ?? { name: 'opencode-api', version: '1.0.0' },
        logger: this.options.logger,
        onToolsChanged: () => this.toolsChanged(entry, generation),
        onDropped: (reason) => this.dropped(entry, generation, reason),
      });
      if (entry.generation !== generation) {
        await connection.close();
        return;
      }
      entry.connection = connection;
      entry.tools = undefined;
      this.setStatus(entry, { status: 'connected' });
      this.touch(entry);
    } catch (error) {
      if (entry.generation !== generation) return;
      this.setStatus(entry, this.failureStatus(config, error));
    }
  }

  private failureStatus(config: McpServerConfig, error: unknown): McpStatus {
    if (error instanceof UnauthorizedError) return { status: 'needs_auth' };
    // Without OAuth settings the SDK never raises UnauthorizedError; a bare 401 still means "needs auth".
    if (config.type === 'remote' && config.oauth !== false && httpStatus(error) === 401)
      return { status: 'needs_auth' };
    if (isClientRegistrationError(error)) return { status: 'needs_client_registration', error: errorMessage(error) };
    return { status: 'failed', error: errorMessage(error) };
  }

  /** A connection for `entry`, reopening one closed for idleness. */
  private async connection(entry: Entry): Promise<McpConnection> {
    // A removed or replaced entry must never spawn a process nobody would close.
    if (!this.isLive(entry)) throw new McpNotConnectedError(entry.name, 'server was removed or replaced');
    if (entry.connection) return entry.connection;
    if (entry.status.status === 'connected') await this.open(entry);
    if (!entry.connection)
      throw new McpNotConnectedError(
        entry.name,
        'status' in entry.status && 'error' in entry.status ? entry.status.error : entry.status.status,
      );
    return entry.connection;
  }

  private async use<T>(entry: Entry, work: (connection: McpConnection) => Promise<T>): Promise<T> {
    entry.inflight++;
    try {
      const connection = await this.connection(entry);
      try {
        return await work(connection);
      } catch (error) {
        if (isTransportFailure(error) && entry.connection === connection)
          this.dropped(entry, entry.generation, errorMessage(error));
        throw error;
      }
    } finally {
      entry.inflight--;
      this.touch(entry);
    }
  }

  private async listedTools(entry: Entry): Promise<McpListedTool[]> {
    if (entry.tools && entry.connection) return entry.tools;
    try {
      const tools = await this.use(entry, (connection) => connection.listTools());
      entry.tools = tools;
      return tools;
    } catch (error) {
      // OpenCode's rule: a server that cannot list its tools is failed, not silently empty.
      if (entry.status.status === 'connected') {
        const connection = entry.connection;
        entry.generation++;
        entry.connection = undefined;
        await connection?.close();
        this.setStatus(entry, { status: 'failed', error: `Failed to get tools: ${errorMessage(error)}` });
      }
      return [];
    }
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
      const entry = this.entry(key, name);
      const timeout = entry.config.timeout ?? this.options.callTimeoutMs ?? this.timeoutMs;
      return await this.use(entry, (connection) => connection.callTool(toolName, args, timeout, { signal }));
    } catch (error) {
      // The model reads tool errors; internal class names mean nothing to it.
      throw error instanceof ToolError ? error : new ToolError(`MCP server ${name}: ${errorMessage(error)}`);
    }
  }

  private touch(entry: Entry): void {
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
    if (this.idleMs <= 0 || !entry.connection) return;
    entry.idleTimer = setTimeout(() => {
      entry.idleTimer = undefined;
      if (entry.inflight > 0) return this.touch(entry);
      const connection = entry.connection;
      // Status stays `connected`: the next use reopens transparently.
      entry.connection = undefined;
      entry.generation++;
      void connection?.close();
    }, this.idleMs);
    entry.idleTimer.unref();
  }

  private toolsChanged(entry: Entry, generation: number): void {
    if (entry.generation !== generation) return;
    entry.tools = undefined;
    this.options.onToolsChanged?.(entry.key, entry.name);
  }

  private dropped(entry: Entry, generation: number, reason: string): void {
    if (entry.generation !== generation || !this.isLive(entry)) return;
    const connection = entry.connection;
    entry.generation++;
    entry.connection = undefined;
    entry.tools = undefined;
    void connection?.close();
    this.setStatus(entry, { status: 'failed', error: `Connection lost: ${reason}` });
    this.scheduleReconnect(entry);
  }

  private scheduleReconnect(entry: Entry): void {
    if (entry.reconnectTimer || entry.reconnectAttempts >= this.reconnect.maxAttempts) return;
    const delay = Math.min(this.reconnect.initialDelayMs * 2 ** entry.reconnectAttempts, this.reconnect.maxDelayMs);
    entry.reconnectAttempts++;
    const generation = entry.generation;
    entry.reconnectTimer = setTimeout(async () => {
      entry.reconnectTimer = undefined;
      if (entry.generation !== generation || !this.isLive(entry)) return;
      await this.open(entry);
      if (entry.status.status === 'connected') {
        entry.reconnectAttempts = 0;
        // The server restarted; its tools may not be the ones we had.
        this.options.onToolsChanged?.(entry.key, entry.name);
      } else if (entry.status.status === 'failed') {
        this.scheduleReconnect(entry);
      }
    }, delay);
    entry.reconnectTimer.unref();
  }

  private isLive(entry: Entry): boolean {
    return this.scopes.get(scopeId(entry.key))?.get(entry.name) === entry;
  }

  private async shutdown(entry: Entry): Promise<void> {
    entry.generation++;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    if (entry.reconnectTimer) clearTimeout(entry.reconnectTimer);
    entry.idleTimer = entry.reconnectTimer = undefined;
    entry.reconnectAttempts = 0;
    const connection = entry.connection;
    entry.connection = undefined;
    entry.opening = undefined;
    await connection?.close();
  }
}
