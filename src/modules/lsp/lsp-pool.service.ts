import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { EventBus } from '../event/event.bus';
import { EventType } from '../event/event.types';
import { ProjectService } from '../project/project.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { LspClient } from './lsp-client';
import type { LanguageServerSpec } from './lsp-servers';
import { LspCapacityError, LspStartError } from './lsp.errors';
import type { LspScope, LspStatus } from './lsp.types';

interface Entry {
  key: string;
  spec: LanguageServerSpec;
  scope: LspScope;
  ownerId: string | null;
  client?: LspClient;
  starting?: Promise<LspClient>;
  lastUsed: number;
  /** Why the last start failed; the server is not retried before `retryAt`. */
  error?: string;
  retryAt?: number;
}

/** A failed server is not retried for this long (OpenCode never retries one in the same instance). */
const RETRY_AFTER_MS = 60_000;

/**
 * The language servers of this API process: one per (school, project, server), started on first use inside the
 * bubblewrap sandbox of the project's workspace as the school's uid with no network, stopped after LSP_IDLE_MS
 * unused. At most LSP_PER_TENANT per school (a new one stops the school's least recently used) and LSP_MAX per
 * process (then refused). Each publishes `lsp.updated` when it comes or goes and `lsp.client.diagnostics`.
 */
@Injectable()
export class LspPool implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Lsp');
  private readonly entries = new Map<string, Entry>();
  private sweeper?: NodeJS.Timeout;
  private closed = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly runner: SandboxRunner,
    private readonly policy: SandboxPolicy,
    private readonly projects: ProjectService,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    const every = Math.min(60_000, Math.max(250, Math.floor(this.config.lsp.idleMs / 4)));
    this.sweeper = setInterval(() => void this.stopIdle(), every);
    this.sweeper.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    // A start still under way is let finish, then stopped with the rest.
    await Promise.all([...this.entries.values()].map((e) => e.starting?.catch(() => undefined)));
    await Promise.all([...this.entries.values()].map((e) => this.stop(e, false)));
  }

  /** The running (or newly started) server for this project, or the start's typed failure. */
  async client(scope: LspScope, spec: LanguageServerSpec): Promise<LspClient> {
    if (this.closed) throw new LspStartError(spec.id, 'the server is stopping');
    const key = `${scope.tenantId}\0${scope.projectId}\0${spec.id}`;
    let entry = this.entries.get(key);
    if (entry?.client?.alive) {
      entry.lastUsed = Date.now();
      return entry.client;
    }
    if (entry?.starting) return entry.starting;
    if (entry?.error && entry.retryAt && entry.retryAt > Date.now()) throw new LspStartError(spec.id, entry.error);
    if (!entry) {
      await this.makeRoom(scope.tenantId);
      const ownerId = await this.projects.ownerOf(scope.tenantId, scope.projectId);
      entry = { key, spec, scope, ownerId, lastUsed: Date.now() };
      this.entries.set(key, entry);
    }
    const current = entry;
    current.error = undefined;
    current.starting = this.start(current).finally(() => (current.starting = undefined));
    return current.starting;
  }

  /** The running clients of one project. */
  running(tenantId: string, projectId: string): LspClient[] {
    return [...this.entries.values()]
      .filter((e) => e.scope.tenantId === tenantId && e.scope.projectId === projectId && e.client?.alive)
      .map((e) => e.client!);
  }

  status(tenantId: string, projectId: string): LspStatus[] {
    return [...this.entries.values()]
      .filter((e) => e.scope.tenantId === tenantId && e.scope.projectId === projectId)
      .filter((e) => e.client?.alive || e.error)
      .map((e) => ({
        id: e.spec.id,
        name: e.spec.id,
        root: '',
        status: e.client?.alive ? ('connected' as const) : ('error' as const),
      }));
  }

  /** How many servers run now, per school or in all (for tests and /ready). */
  count(tenantId?: string): number {
    return [...this.entries.values()].filter((e) => e.client?.alive && (!tenantId || e.scope.tenantId === tenantId))
      .length;
  }

  private async start(entry: Entry): Promise<LspClient> {
    const { spec, scope } = entry;
    const { memoryMb, timeoutMs } = this.config.lsp;
    const tenant = await this.policy.forTenant(scope.tenantId, `lsp:${spec.id}`, scope.userId);
    let child;
    try {
      child = await this.runner.spawnProcess({
        argv: spec.argv(memoryMb),
        workspaceRoot: scope.root,
        cwd: scope.root,
        // Caches and logs go to the sandbox's private /tmp; nothing is downloaded, so no network.
        env: { NODE_OPTIONS: `--max-old-space-size=${memoryMb}`, XDG_CACHE_HOME: '/tmp/.cache' },
        network: false,
        identity: tenant.identity,
        origin: tenant.origin,
        readOnly: spec.packages,
      });
    } catch (error) {
      // No sandbox (SANDBOX=required without bubblewrap) is the runner's typed refusal: passed on unchanged.
      this.entries.delete(entry.key);
      throw error;
    }
    const client = new LspClient(child, {
      spec,
      root: scope.root,
      memoryMb,
      requestTimeoutMs: timeoutMs,
      onDiagnostics: (file) => this.publish(entry, EventType.LspClientDiagnostics, { serverID: spec.id, path: file }),
      onExit: (reason) => this.exited(entry, client, reason),
    });
    try {
      await client.initialize();
    } catch (error) {
      const reason = client.lastError() || (error instanceof Error ? error.message : String(error));
      await client.stop(0);
      this.fail(entry, reason);
      throw new LspStartError(spec.id, reason);
    }
    entry.client = client;
    entry.lastUsed = Date.now();
    this.logger.log(`started ${spec.id} for project ${scope.projectId} (${this.count()} running)`);
    this.publish(entry, EventType.LspUpdated, {});
    return client;
  }

  private exited(entry: Entry, client: LspClient, reason: string): void {
    if (entry.client !== client) return;
    entry.client = undefined;
    this.fail(entry, reason);
    this.logger.warn(`${entry.spec.id} for project ${entry.scope.projectId} ${reason}`);
    this.publish(entry, EventType.LspUpdated, {});
  }

  private fail(entry: Entry, reason: string): void {
    entry.error = reason;
    entry.retryAt = Date.now() + RETRY_AFTER_MS;
  }

  /** The school's cap stops its least recently used server; the process cap refuses. */
  private async makeRoom(tenantId: string): Promise<void> {
    const { perTenant, max } = this.config.lsp;
    const live = [...this.entries.values()].filter((e) => e.client || e.starting);
    const mine = live.filter((e) => e.scope.tenantId === tenantId).sort((a, b) => a.lastUsed - b.lastUsed);
    if (perTenant === 0 || max === 0) throw new LspCapacityError(Math.min(perTenant, max));
    if (mine.length >= perTenant) await this.stop(mine[0], true);
    if (live.length - (mine.length >= perTenant ? 1 : 0) >= max) throw new LspCapacityError(max);
  }

  private async stopIdle(): Promise<void> {
    const cutoff = Date.now() - this.config.lsp.idleMs;
    for (const entry of [...this.entries.values()]) {
      if (entry.starting) continue;
      if (entry.client && entry.lastUsed < cutoff) {
        this.logger.log(`stopping idle ${entry.spec.id} for project ${entry.scope.projectId}`);
        await this.stop(entry, true);
      } else if (!entry.client && entry.retryAt && entry.retryAt < Date.now()) this.entries.delete(entry.key);
    }
  }

  private async stop(entry: Entry, announce: boolean): Promise<void> {
    this.entries.delete(entry.key);
    const client = entry.client;
    entry.client = undefined;
    if (!client) return;
    await client.stop();
    if (announce) this.publish(entry, EventType.LspUpdated, {});
  }

  private publish(entry: Entry, type: string, properties: Record<string, unknown>): void {
    const { tenantId, projectId, root } = entry.scope;
    this.bus.publish({ tenantId, projectId, directory: root, ownerId: entry.ownerId ?? undefined, type, properties });
  }
}
