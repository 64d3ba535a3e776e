// One live MCP session (stdio process or HTTP) with deadlines on every request. The pool owns lifecycle
// policy (idle close, reconnect); this class only opens, talks and closes.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { FetchLike, Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpLocalConfig, McpLogger, McpRemoteConfig, McpServerConfig } from './mcp.types';
import { errorMessage, normalizeTimeout, withDeadline } from './mcp-error.util';
import { buildServerEnv, type McpBaseEnv, type McpProcessSpawner } from './stdio/mcp-process.spawner';
import { StdioProcessTransport, type StdioProcessTransportOptions } from './stdio/stdio-process.transport';
import { isMcpUnauthorized, mcpClientSdk, mcpSseSdk, mcpStreamableSdk, mcpTypesSdk } from './mcp-sdk';
import { cappedFetch } from './mcp-capped-fetch';

export interface McpConnectionOptions {
  tenantId: string;
  projectId: string;
  name: string;
  config: McpServerConfig;
  timeoutMs: number;
  spawner: McpProcessSpawner;
  baseEnv: McpBaseEnv;
  /** Working directory for local servers whose config has no `cwd`. */
  defaultCwd?: string;
  stdio: StdioProcessTransportOptions;
  fetch?: FetchLike;
  authProvider?: OAuthClientProvider;
  clientInfo: { name: string; version: string };
  logger?: McpLogger;
  onToolsChanged: () => void;
  /** The transport closed without us asking (process died, stream ended). */
  onDropped: (reason: string) => void;
}

type CallOptions = { signal?: AbortSignal };

const STDERR_LOG_BUDGET = 64 * 1024;

export class McpConnection {
  private closing = false;
  private abortReason?: string;

  private constructor(
    private readonly client: Client,
    private readonly transport: Transport,
    private readonly timeoutMs: number,
  ) {}

  static async open(options: McpConnectionOptions): Promise<McpConnection> {
    if (options.config.type === 'local') return McpConnection.openLocal(options, options.config);
    return McpConnection.openRemote(options, options.config);
  }

  private static newClient(options: McpConnectionOptions): Client {
    // No client capabilities: we never serve sampling, roots or elicitation to a server.
    return new (mcpClientSdk().Client)(options.clientInfo, { capabilities: {} });
  }

  private static async openLocal(options: McpConnectionOptions, config: McpLocalConfig): Promise<McpConnection> {
    const [command, ...args] = config.command;
    if (!command) throw new Error('MCP local server has an empty command');
    const child = await options.spawner({
      command,
      args,
      env: buildServerEnv(options.baseEnv, config.environment),
      cwd: config.cwd ?? options.defaultCwd,
      tenantId: options.tenantId,
      projectId: options.projectId,
      serverName: options.name,
    });
    // A chatty server must not flood our logs: log its first 64 KB of stderr, then say we stopped.
    let logged = 0;
    const onStderr = (text: string) => {
      if (logged >= STDERR_LOG_BUDGET) return;
      logged += text.length;
      options.logger?.debug({ server: options.name, stderr: text.slice(0, 4000) }, 'mcp server stderr');
      if (logged >= STDERR_LOG_BUDGET)
        options.logger?.debug({ server: options.name }, 'mcp server stderr: further output not logged');
    };
    const transport = new StdioProcessTransport(child, { ...options.stdio, onStderr });
    try {
      return await McpConnection.handshake(options, transport);
    } catch (error) {
      const exit = transport.describeExit();
      throw new Error(exit ? `${errorMessage(error)} (${exit})` : errorMessage(error));
    }
  }

  private static async openRemote(options: McpConnectionOptions, config: McpRemoteConfig): Promise<McpConnection> {
    const url = new URL(config.url);
    let current: McpConnection | undefined;
    const fetchFn = cappedFetch(options.fetch ?? fetch, options.stdio.maxMessageBytes, (error) =>
      current?.abortTransport(error.message),
    );
    const requestInit: RequestInit = { headers: config.headers ?? {} };
    const authProvider = config.oauth === false ? undefined : options.authProvider;
    const started = Date.now();
    try {
      current = await McpConnection.handshake(
        options,
        new (mcpStreamableSdk().StreamableHTTPClientTransport)(url, { requestInit, authProvider, fetch: fetchFn }),
      );
      return current;
    } catch (streamableError) {
      if (isMcpUnauthorized(streamableError)) throw streamableError;
      const remaining = options.timeoutMs - (Date.now() - started);
      if (remaining <= 0) throw streamableError;
      // Older servers only speak the 2024-11 HTTP+SSE transport.
      try {
        const sse = new (mcpSseSdk().SSEClientTransport)(url, { requestInit, authProvider, fetch: fetchFn });
        current = await McpConnection.handshake({ ...options, timeoutMs: remaining }, sse);
        return current;
      } catch (sseError) {
        if (isMcpUnauthorized(sseError)) throw sseError;
        throw new Error(`Streamable HTTP: ${errorMessage(streamableError)}; SSE: ${errorMessage(sseError)}`, {
          cause: streamableError,
        });
      }
    }
  }

  private static async handshake(options: McpConnectionOptions, transport: Transport): Promise<McpConnection> {
    const client = McpConnection.newClient(options);
    const connection = new McpConnection(client, transport, options.timeoutMs);
    try {
      await withDeadline(
        client.connect(transport, { timeout: options.timeoutMs }).catch((error) => {
          throw normalizeTimeout(error, 'initialize', options.timeoutMs);
        }),
        options.timeoutMs,
        'initialize',
      );
    } catch (error) {
      connection.closing = true;
      await client.close().catch(() => undefined);
      await transport.close().catch(() => undefined);
      throw error;
    }
    client.onclose = () => {
      if (connection.closing) return;
      options.onDropped(connection.closeReason() ?? 'connection closed');
    };
    if (client.getServerCapabilities()?.tools?.listChanged) {
      client.setNotificationHandler(mcpTypesSdk().ToolListChangedNotificationSchema, async () =>
        options.onToolsChanged(),
      );
    }
    return connection;
  }

  capabilities() {
    return this.client.getServerCapabilities() ?? {};
  }

  async listTools() {
    const tools = [];
    let cursor: string | undefined;
    // Pagination is bounded: a server that keeps returning cursors must not loop us forever.
    for (let page = 0; page < 50; page++) {
      const result = await this.request('tools/list', (options) =>
        this.client.listTools(cursor ? { cursor } : undefined, options),
      );
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools;
  }

  callTool(name: string, args: Record<string, unknown>, timeoutMs: number, options: CallOptions = {}) {
    return this.request(
      'tools/call',
      (requestOptions) =>
        this.client.callTool({ name, arguments: args }, undefined, requestOptions) as Promise<Record<string, unknown>>,
      { ...options, timeoutMs },
    );
  }

  async listPrompts() {
    if (!this.capabilities().prompts) return [];
    return (await this.request('prompts/list', (options) => this.client.listPrompts(undefined, options))).prompts;
  }

  getPrompt(name: string, args: Record<string, string>) {
    return this.request('prompts/get', (options) => this.client.getPrompt({ name, arguments: args }, options));
  }

  async listResources() {
    if (!this.capabilities().resources) return [];
    return (await this.request('resources/list', (options) => this.client.listResources(undefined, options))).resources;
  }

  readResource(uri: string) {
    return this.request('resources/read', (options) => this.client.readResource({ uri }, options));
  }

  private closeReason(): string | undefined {
    return (
      this.abortReason ?? (this.transport instanceof StdioProcessTransport ? this.transport.describeExit() : undefined)
    );
  }

  /** Drops the transport as if the server had gone; pending requests fail now and the pool reconnects. */
  abortTransport(reason: string): void {
    if (this.closing || this.abortReason) return;
    this.abortReason = reason;
    void this.transport.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.transport instanceof mcpStreamableSdk().StreamableHTTPClientTransport && !this.abortReason) {
      // Tell the server to drop the session now rather than whenever it expires it.
      await withDeadline(this.transport.terminateSession(), 1000, 'terminate session').catch(() => undefined);
    }
    await withDeadline(this.client.close(), 5000, 'close').catch(() => this.transport.close().catch(() => undefined));
  }

  private async request<T>(
    operation: string,
    run: (options: { timeout: number; signal?: AbortSignal; maxTotalTimeout: number }) => Promise<T>,
    options: CallOptions & { timeoutMs?: number } = {},
  ): Promise<T> {
    const timeout = options.timeoutMs ?? this.timeoutMs;
    const signal = options.signal;
    const work = run({ timeout, maxTotalTimeout: timeout, ...(signal ? { signal } : {}) }).catch((error) => {
      // The SDK reports an abort with the timeout error code; callers need to tell the two apart.
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('MCP request aborted');
      const reason = this.closeReason();
      // "Connection closed" alone tells the model nothing; say why it closed when we know.
      if (reason && (error as { code?: unknown })?.code === -32000) throw new Error(`Connection closed: ${reason}`);
      throw normalizeTimeout(error, operation, timeout);
    });
    // A little slack so the SDK's timeout (which also cancels the request server-side) usually wins.
    return withDeadline(work, timeout + 1000, operation);
  }
}
