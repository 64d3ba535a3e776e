// Every MCP server the process knows, keyed by (tenant, project[, user]) and name, with its connection's life:
// open, idle close and reopen, drop and reconnect with backoff, shutdown. McpClientPool builds the catalogue
// (tools, prompts, resources) and the OAuth flow on top of it.
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { McpKey, McpServerConfig, McpStatus, McpStatusMap } from './mcp.types';
import { McpNotConnectedError, McpServerNotFoundError } from './mcp.errors';
import { McpConnection } from './mcp-connection';
import { errorMessage, httpStatus, isTransportFailure } from './mcp-error.util';
import type { McpListedTool } from './convert/mcp-tool.converter';
import { refuseLocalServers, type McpProcessSpawner } from './stdio/mcp-process.spawner';
import { DEFAULT_STDIO_OPTIONS, type StdioProcessTransportOptions } from './stdio/stdio-process.transport';
import { isClientRegistrationError } from './oauth/mcp-oauth.flow';
import { isMcpUnauthorized } from './mcp-sdk';
import type { McpClientPoolOptions, McpReconnectPolicy } from './mcp-client-pool.options';

export interface McpServerEntry {
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

/** The OAuth provider for a server, if its config calls for one (the pool's OAuth manager decides). */
export type McpAuthProviderFor = (
  key: McpKey,
  name: string,
  config: McpServerConfig,
) => OAuthClientProvider | undefined;

const DEFAULT_RECONNECT: McpReconnectPolicy = { initialDelayMs: 1000, maxDelayMs: 30_000, maxAttempts: 5 };

function scopeId(key: McpKey): string {
  return JSON.stringify([key.tenantId, key.projectId, key.userId ?? null]);
}

type Entry = McpServerEntry;

export class McpServerRegistry {
  private readonly scopes = new Map<string, Map<string, Entry>>();
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly reconnect: McpReconnectPolicy;
  private readonly stdio: StdioProcessTransportOptions;
  private readonly spawner: McpProcessSpawner;

  constructor(
    private readonly options: McpClientPoolOptions,
    private readonly authProviderFor: McpAuthProviderFor,
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.idleMs = options.idleMs ?? 10 * 60_000;
    this.reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.stdio = { ...DEFAULT_STDIO_OPTIONS, ...options.stdio };
    this.spawner = options.spawner ?? refuseLocalServers;
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

  async closeAll(): Promise<void> {
    const entries = [...this.scopes.values()].flatMap((scope) => [...scope.values()]);
    this.scopes.clear();
    await Promise.all(entries.map((entry) => this.shutdown(entry)));
  }

  private scope(key: McpKey, create: true): Map<string, Entry>;
  private scope(key: McpKey, create: false): Map<string, Entry> | undefined;
  private scope(key: McpKey, create: boolean): Map<string, Entry> | undefined {
    const id = scopeId(key);
    let scope = this.scopes.get(id);
    if (!scope && create) this.scopes.set(id, (scope = new Map()));
    return scope;
  }

  /** The server by name; McpServerNotFoundError when it was never added or was removed. */
  entry(key: McpKey, name: string): Entry {
    const entry = this.scope(key, false)?.get(name);
    if (!entry) throw new McpServerNotFoundError(name);
    return entry;
  }

  /** The servers of a scope whose status is `connected`. */
  connected(key: McpKey): Entry[] {
    return [...(this.scope(key, false)?.values() ?? [])].filter((entry) => entry.status.status === 'connected');
  }

  setStatus(entry: Entry, status: McpStatus): void {
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
    const authProvider = this.authProviderFor(key, name, config);
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
    if (isMcpUnauthorized(error)) return { status: 'needs_auth' };
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

  /** Runs `work` on the entry's connection (reopening one closed for idleness); a transport failure drops it. */
  async use<T>(entry: Entry, work: (connection: McpConnection) => Promise<T>): Promise<T> {
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

  /** The server's tools, cached until it reports a change or reconnects. */
  async listedTools(entry: Entry): Promise<McpListedTool[]> {
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
