import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { AuthContext } from '../../core/auth/auth-context';
import { TtlCache } from '../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, ForbiddenError } from '../../core/errors/domain-error';
import { egressGuard } from '../../core/net/egress';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { LOGGER } from '../../core/logging/logger';
import { mcpConfigSchema } from '../config/config.schema';
import { ConfigService } from '../config/config.service';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { ProjectService, type ProjectAccess } from '../project/project.service';
import type { ExtraToolSource, StepScope } from '../session/session-extension.port';
import type { SessionRow } from '../session/session.repository';
import type { RegisteredTool } from '../tool/tool.registry';
import { cipherFromConfig, type CredentialCipher } from '../../core/crypto/credential-cipher';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { McpClientPool } from './mcp-client.pool';
import { McpAuthenticateUnsupportedError, McpServerNotFoundError } from './mcp.errors';
import { McpRepository, type McpServerRow } from './mcp.repository';
import type {
  McpCommand,
  McpKey,
  McpResource,
  McpResourceContent,
  McpServerConfig,
  McpStatus,
  McpStatusMap,
} from './mcp.types';
import { McpEncryptionMissingError, PrismaMcpOAuthStore } from './mcp-oauth.prisma-store';
import { createSandboxSpawner } from './mcp-sandbox.spawner';
import type { McpProcessSpawner } from './stdio/mcp-process.spawner';
import { configFingerprint, resolveServers } from './mcp-servers.resolve';

// What a local server finds on PATH: this Node's folder, then the usual system folders. Never our environment.
const SERVER_PATH = [
  path.dirname(process.execPath),
  '/usr/local/sbin',
  '/usr/local/bin',
  '/usr/sbin',
  '/usr/bin',
  '/sbin',
  '/bin',
].join(':');

interface ScopeState {
  /** name → the config last handed to the pool, and its fingerprint. */
  configs: Map<string, { config: McpServerConfig; fingerprint: string }>;
}

function scopeId(key: McpKey): string {
  return `${key.tenantId}\0${key.projectId}`;
}

/** How long a process trusts its copy of a scope's McpServer rows when no change event reached it. */
const ROWS_TTL_MS = 30_000;

/**
 * MCP servers per (tenant, project): resolved from layered config plus McpServer rows, connected lazily on
 * first use through one process-wide McpClientPool, exposed to the agent loop as extra tools.
 */
@Injectable()
export class McpService implements OnModuleInit, OnApplicationShutdown, ExtraToolSource {
  private readonly pool: McpClientPool;
  /**
   * The scope's McpServer rows, which every model step reconciles against: a copy per process, dropped when a server
   * is added here or another process announces `mcp.tools.changed` for the project (every add does).
   */
  private readonly rows = new TtlCache<string, McpServerRow[]>(ROWS_TTL_MS, 10_000);
  private offRows?: () => void;
  private readonly cipher?: CredentialCipher;
  private readonly workspaces = new Map<string, string>();
  private readonly scopes = new Map<string, ScopeState>();
  private readonly syncing = new Map<string, Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) app: AppConfig,
    private readonly repo: McpRepository,
    private readonly config: ConfigService,
    private readonly projects: ProjectService,
    private readonly bus: EventBus,
    sandbox: SandboxRunner,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.cipher = cipherFromConfig(app);
    const publicUrl = app.publicUrl ?? `http://${app.host}:${app.port}`;
    this.pool = new McpClientPool({
      baseEnv: { PATH: SERVER_PATH, HOME: '/tmp' },
      spawner: this.spawnerIn(sandbox, repo),
      cwdFor: (key) => this.workspaces.get(scopeId(key)),
      // Without a key ring, tokens could not be stored: remote servers that want OAuth simply show needs_auth.
      oauth: this.cipher
        ? {
            store: new PrismaMcpOAuthStore(repo, this.cipher),
            redirectUrl: `${publicUrl.replace(/\/$/, '')}/mcp/oauth/callback`,
          }
        : undefined,
      onToolsChanged: (key, server) => this.toolsChanged(key, server),
      // Remote servers and their OAuth discovery go through the egress guard, whichever layer configured them.
      fetch: egressGuard(app.egressAllow).fetch,
      logger,
    });
  }

  /**
   * Local servers run in the project's folder. A project that a read names before it exists (GET /mcp, a listing)
   * has none yet: it gets its folder when a server starts there (the folder only; the project is stored by a write).
   */
  private spawnerIn(runner: SandboxRunner, repo: McpRepository): McpProcessSpawner {
    const workspaceFor = (tenantId: string, projectId: string) => this.workspaces.get(scopeId({ tenantId, projectId }));
    const spawn = createSandboxSpawner({ runner, repo, workspaceFor });
    return async (spec) => {
      const root = workspaceFor(spec.tenantId, spec.projectId);
      if (root) await fs.mkdir(root, { recursive: true, mode: 0o700 });
      return spawn(spec);
    };
  }

  /** A step's extra tools (EXTRA_TOOL_SOURCES): the session's MCP tools. */
  toolsFor({ auth, session }: StepScope): Promise<RegisteredTool[]> {
    return this.toolsForSession(auth, session);
  }

  onModuleInit(): void {
    this.offRows = this.bus.subscribe(
      (e) => e.event.type === EventType.McpToolsChanged && !!e.projectId,
      (e) => this.rows.delete(scopeId({ tenantId: e.tenantId, projectId: e.projectId! })),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.offRows?.();
    if (!(await settlesWithin(this.pool.closeAll(), 5000)))
      this.logger.warn('MCP servers did not all close within 5 s; going on');
  }

  async status(auth: AuthContext, directory?: string): Promise<McpStatusMap> {
    return this.pool.status(await this.scopeFor(auth, directory));
  }

  /** Stores the server for the project, (re)connects it, and answers the project's status map. */
  async add(auth: AuthContext, directory: string | undefined, name: string, rawConfig: unknown): Promise<McpStatusMap> {
    const parsed = mcpConfigSchema.safeParse(rawConfig);
    if (!parsed.success || (parsed.data.type !== 'local' && parsed.data.type !== 'remote')) {
      const detail = parsed.success
        ? 'config.type must be "local" or "remote"'
        : parsed.error.issues.map((i) => `${i.path.join('.') || 'config'}: ${i.message}`).join('; ');
      throw new BadRequestError(`Invalid MCP server config: ${detail}`, { name }, 'mcp_invalid_config');
    }
    const project = await this.projects.resolve(auth, directory, 'write');
    await this.repo.putConfig(auth.tenantId, project.id, name, parsed.data);
    this.rows.delete(scopeId({ tenantId: auth.tenantId, projectId: project.id }));
    const key = await this.sync(auth, project.id, this.projects.worktree(project), true);
    this.toolsChanged(key, name);
    return this.pool.status(key);
  }

  async connect(auth: AuthContext, directory: string | undefined, name: string): Promise<McpStatus> {
    const key = await this.scopeFor(auth, directory, 'write');
    const known = this.scopes.get(scopeId(key))?.configs.get(name);
    if (!known) throw new McpServerNotFoundError(name);
    // Students add no servers: one they find disabled was disabled by their teacher or school, and stays so.
    if (known.config.enabled === false && auth.role === 'student')
      throw new ForbiddenError(`MCP server ${name} was disabled by your teacher or school`, 'mcp_disabled');
    // Connecting by hand overrides `enabled: false` until the server's config changes.
    const status = await this.pool.connect(key, name, { ...known.config, enabled: true });
    this.toolsChanged(key, name);
    return status;
  }

  async disconnect(auth: AuthContext, directory: string | undefined, name: string): Promise<void> {
    const key = await this.scopeFor(auth, directory, 'write');
    await this.pool.disconnect(key, name);
    this.toolsChanged(key, name);
  }

  async startAuth(
    auth: AuthContext,
    directory: string | undefined,
    name: string,
  ): Promise<{ authorizationUrl: string; oauthState: string }> {
    const key = await this.scopeFor(auth, directory, 'write');
    this.requireEncryption(key, name);
    return this.pool.startAuth(key, name);
  }

  async finishAuth(
    auth: AuthContext,
    directory: string | undefined,
    name: string,
    code: string,
    oauthState?: string,
  ): Promise<McpStatus> {
    const key = await this.scopeFor(auth, directory, 'write');
    this.requireEncryption(key, name);
    return this.pool.finishAuth(key, name, code, oauthState);
  }

  async authenticate(auth: AuthContext, directory: string | undefined, name: string): Promise<never> {
    const key = await this.scopeFor(auth, directory, 'write');
    if (!(name in this.pool.status(key))) throw new McpServerNotFoundError(name);
    throw new McpAuthenticateUnsupportedError(name);
  }

  async removeAuth(auth: AuthContext, directory: string | undefined, name: string): Promise<{ success: true }> {
    const key = await this.scopeFor(auth, directory, 'write');
    if (!(name in this.pool.status(key))) throw new McpServerNotFoundError(name);
    // Nothing can be stored without a key ring, so there is nothing to remove either.
    if (this.cipher) await this.pool.removeAuth(key, name);
    return { success: true };
  }

  async resources(auth: AuthContext, directory?: string): Promise<Record<string, McpResource>> {
    return this.pool.listResources(await this.scopeFor(auth, directory));
  }

  /** Contents of a resource, for a prompt's file part with `source: {type: 'resource', clientName, uri}`. */
  async readResource(
    auth: AuthContext,
    session: Pick<SessionRow, 'projectId' | 'directory'>,
    server: string,
    uri: string,
  ): Promise<McpResourceContent[]> {
    const key = await this.sync(auth, session.projectId, session.directory);
    return this.pool.readResource(key, server, uri);
  }

  /** The project's MCP prompts as commands (`<server>:<prompt>`); a broken server or config just brings none. */
  async commands(auth: AuthContext, project: { id: string; worktree: string }): Promise<McpCommand[]> {
    try {
      return await this.pool.commands(await this.sync(auth, project.id, project.worktree));
    } catch (error) {
      this.logger.warn({ err: error, projectId: project.id }, 'mcp prompts unavailable');
      return [];
    }
  }

  /** The session's MCP tools; a broken server or config never breaks the turn, it just brings no tools. */
  async toolsForSession(auth: AuthContext, session: SessionRow): Promise<RegisteredTool[]> {
    try {
      const key = await this.sync(auth, session.projectId, session.directory);
      const tools = await this.pool.tools(key);
      return tools.map((tool) => ({
        id: tool.id,
        description: tool.description,
        inputSchema: tool.inputSchema,
        execute: (args, ctx) => tool.execute(args as Record<string, unknown>, ctx),
      }));
    } catch (error) {
      this.logger.warn({ err: error, sessionId: session.id }, 'mcp tools unavailable for this step');
      return [];
    }
  }

  // ---- internals ----

  private async scopeFor(auth: AuthContext, directory?: string, access: ProjectAccess = 'read'): Promise<McpKey> {
    const project = await this.projects.resolve(auth, directory, access);
    return this.sync(auth, project.id, this.projects.worktree(project));
  }

  /** Brings the pool in line with the scope's configured servers: new or changed ones connect, gone ones close. */
  private async sync(auth: AuthContext, projectId: string, worktree: string, fresh = false): Promise<McpKey> {
    const key: McpKey = { tenantId: auth.tenantId, projectId };
    const id = scopeId(key);
    this.workspaces.set(id, worktree);
    let running = this.syncing.get(id);
    // A caller that just wrote a row must not share a pass that read the rows before its write.
    if (running && fresh) await running.catch(() => undefined);
    running = fresh ? undefined : this.syncing.get(id);
    if (!running) {
      const pass = this.reconcile(auth, key).finally(() => {
        if (this.syncing.get(id) === pass) this.syncing.delete(id);
      });
      this.syncing.set(id, pass);
      running = pass;
    }
    await running;
    return key;
  }

  private async reconcile(auth: AuthContext, key: McpKey): Promise<void> {
    const [config, rows] = await Promise.all([
      this.config.effective(auth, key.projectId),
      this.rows.get(scopeId(key), () => this.repo.listForProject(key.tenantId, key.projectId)),
    ]);
    const desired = resolveServers(config.mcp, rows, (row, reason) =>
      this.logger.warn({ server: row.name, reason }, 'mcp server row ignored'),
    );
    const id = scopeId(key);
    const state = this.scopes.get(id) ?? { configs: new Map() };
    this.scopes.set(id, state);
    const current = this.pool.status(key);
    const changes: Promise<unknown>[] = [];
    for (const [name, server] of desired) {
      const fingerprint = configFingerprint(server);
      if (state.configs.get(name)?.fingerprint === fingerprint && name in current) continue;
      state.configs.set(name, { config: server, fingerprint });
      changes.push(this.pool.connect(key, name, server));
    }
    for (const name of Object.keys(current)) {
      if (desired.has(name)) continue;
      state.configs.delete(name);
      changes.push(this.pool.remove(key, name));
    }
    await Promise.all(changes);
  }

  private requireEncryption(key: McpKey, name: string): void {
    if (!(name in this.pool.status(key))) throw new McpServerNotFoundError(name);
    if (!this.cipher) throw new McpEncryptionMissingError();
  }

  private toolsChanged(key: McpKey, server: string): void {
    // A project's event reaches only those who may see the project: its owner, their teachers, the school's admins.
    void this.projects.ownerOf(key.tenantId, key.projectId).then((ownerId) =>
      this.bus.publish({
        tenantId: key.tenantId,
        projectId: key.projectId,
        ownerId: ownerId ?? undefined,
        type: EventType.McpToolsChanged,
        properties: { server },
      }),
    );
  }
}
