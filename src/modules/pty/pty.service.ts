import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { WebSocket } from 'ws';
import type { AuthContext } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { BadRequestError, DomainError } from '../../core/errors/domain-error';
import { isId, newId } from '../../core/ids';
import { AgentService } from '../agent/agent.service';
import { EventBus } from '../event/event.bus';
import { STREAM_ACCESS, type StreamAccess } from '../event/stream-access.port';
import { StreamGuard } from '../event/stream-guard.service';
import { EventType } from '../event/event.types';
import { PermissionService } from '../permission/permission.service';
import { ProjectService } from '../project/project.service';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { TurnContextService } from '../session/turn/turn-context.service';
import { WorkspaceManager } from '../workspace/workspace-manager';
import type { PtyCreateDto, PtyUpdateDto } from './dto/pty.dto';
import { PtySession, type PtyOwner } from './pty-session';
import { PtyTickets, TICKET_TTL_SECONDS } from './pty-ticket';
import { PtyLimitError, PtyNotFoundError, PtyTicketError } from './pty.errors';
import type { PtyConnectToken, PtyInfo, PtyShell } from './pty.types';

export interface PtyAdmission {
  session: PtySession;
  auth: AuthContext;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const MAX_ENV = 64;
/** Shells the sandbox can run: it sees /usr and the /bin links, nothing else of the host. */
const SANDBOX_VISIBLE = /^\/(usr\/)?(s?bin)\//;

/**
 * Terminals (OpenCode's /pty): a shell on a pseudo-terminal, inside the bash sandbox of the project's workspace,
 * as the school's uid, with the school's network setting. A terminal is its owner's alone (another user's is a
 * 404, admins included: whoever attaches can type). They live in this API process: capped per user and per
 * process, closed when idle, ended with the process.
 */
@Injectable()
export class PtyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Pty');
  private readonly sessions = new Map<string, PtySession>();
  private readonly tickets = new PtyTickets();
  private sweeper?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly projects: ProjectService,
    private readonly workspaces: WorkspaceManager,
    private readonly agents: AgentService,
    private readonly turns: TurnContextService,
    private readonly permissions: PermissionService,
    private readonly runner: SandboxRunner,
    private readonly sandbox: SandboxPolicy,
    private readonly bus: EventBus,
    private readonly guard: StreamGuard,
    @Inject(STREAM_ACCESS) private readonly access: StreamAccess,
  ) {}

  onModuleInit(): void {
    const every = Math.min(60_000, Math.max(250, Math.floor(this.config.pty.idleMs / 4)));
    this.sweeper = setInterval(() => this.closeIdle(), every);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.sweeper);
    for (const session of this.sessions.values()) session.close('the server is stopping');
    this.sessions.clear();
  }

  shells(): PtyShell[] {
    const listed = existsSync('/etc/shells')
      ? readFileSync('/etc/shells', 'utf8')
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line.startsWith('/'))
      : [];
    const seen = new Set<string>();
    return [...listed, '/bin/bash', '/bin/sh']
      .filter((file) => SANDBOX_VISIBLE.test(file) && existsSync(file) && !seen.has(file) && seen.add(file))
      .map((file) => ({
        path: file,
        name: path.basename(file),
        acceptable: !/(nologin|false|rbash)$/.test(file),
      }));
  }

  async list(auth: AuthContext, directory?: string): Promise<PtyInfo[]> {
    const projectId = directory ? (await this.projects.resolve(auth, directory)).id : undefined;
    return [...this.sessions.values()]
      .filter((s) => s.owns(auth) && (!projectId || s.owner.projectId === projectId))
      .map((s) => s.info);
  }

  get(auth: AuthContext, id: string): PtyInfo {
    return this.find(auth, id).info;
  }

  async create(auth: AuthContext, directory: string | undefined, input: PtyCreateDto): Promise<PtyInfo> {
    const project = await this.projects.resolve(auth, directory, 'write');
    await this.assertMay(auth, project.id, project.ownerId);
    const mine = [...this.sessions.values()].filter((s) => s.owns(auth)).length;
    if (mine >= this.config.pty.perUser)
      throw new PtyLimitError(`At most ${this.config.pty.perUser} open terminals per user`, this.config.pty.perUser);
    if (this.sessions.size >= this.config.pty.max)
      throw new PtyLimitError('This server has as many open terminals as it allows', this.config.pty.max);
    const userEnv = validEnv(input.env);
    const ws = await this.workspaces.get(project.tenantId, project.slug);
    const cwd = input.cwd ? ws.lexical(input.cwd) : ws.root;
    const command = input.command ?? (existsSync('/bin/bash') ? '/bin/bash' : '/bin/sh');
    const args = input.args ?? [];
    const tenant = await this.sandbox.forTenant(project.tenantId, 'pty', auth.userId);
    const shell = await this.runner.spawnTerminal({
      argv: [command, ...args],
      workspaceRoot: ws.root,
      cwd,
      userEnv,
      cols: 80,
      rows: 24,
      ...tenant,
    });
    const id = newId('pty');
    const info: PtyInfo = {
      id,
      title: input.title || `Terminal ${id.slice(-4)}`,
      command,
      args,
      cwd,
      status: 'running',
      pid: shell.process.pid ?? 0,
    };
    const owner: PtyOwner = {
      tenantId: auth.tenantId,
      userId: auth.userId,
      projectId: project.id,
      directory: ws.root,
    };
    const session = new PtySession(info, owner, shell, this.config.pty.bufferChars, (exitCode) =>
      this.exited(session, exitCode),
    );
    this.sessions.set(id, session);
    this.publish(session, EventType.PtyCreated, { info });
    return info;
  }

  update(auth: AuthContext, id: string, input: PtyUpdateDto): PtyInfo {
    const session = this.find(auth, id);
    if (input.title) session.info.title = input.title;
    if (input.size) session.resize(input.size.cols, input.size.rows);
    this.publish(session, EventType.PtyUpdated, { info: session.info });
    return session.info;
  }

  remove(auth: AuthContext, id: string): boolean {
    this.drop(this.find(auth, id), 'the terminal was removed');
    return true;
  }

  /** Re-checks the right to a terminal: a school that closed terminals since stops new connections at once. */
  async connectToken(auth: AuthContext, id: string): Promise<PtyConnectToken> {
    const session = this.find(auth, id);
    const project = await this.projects.get(auth, session.owner.projectId, 'write');
    await this.assertMay(auth, project.id, project.ownerId);
    const ticket = this.tickets.issue({ ptyId: id, tenantId: auth.tenantId, userId: auth.userId, auth });
    return { ticket, expires_in: TICKET_TTL_SECONDS };
  }

  /** The WebSocket side: the ticket is spent here whatever happens next. */
  admit(id: string, ticket: string | undefined): PtyAdmission {
    const holder = this.tickets.take(ticket, id);
    if (!holder) throw new PtyTicketError();
    const session = this.sessions.get(id);
    if (!session || !session.owns(holder)) throw new PtyNotFoundError(id);
    return { session, auth: holder.auth };
  }

  /**
   * Attaches the socket and watches it like an SSE stream: a revoked key, a deleted or re-roled user, a project
   * the holder may no longer write, or the token's `exp` closes the connection (the terminal keeps running; a
   * reconnect needs a fresh ticket, which re-checks everything).
   */
  connect({ session, auth }: PtyAdmission, socket: WebSocket, cursor?: number): void {
    session.attach(socket, cursor);
    if (socket.readyState !== socket.OPEN) return;
    const off = this.guard.register({
      tenantId: auth.tenantId,
      userId: auth.userId,
      keyId: auth.keyId,
      role: auth.role,
      expiresAt: auth.expiresAt,
      auth,
      stillAllowed: (now) => this.stillAllowed(auth, session, now),
      close: () => socket.close(1008, 'access ended: connect again with a new ticket'),
    });
    socket.once('close', off);
  }

  /** `read`: the holder's rights as the stream guard's sweep just read them. */
  private async stillAllowed(auth: AuthContext, session: PtySession, read?: AuthContext | null): Promise<boolean> {
    const now = read === undefined ? await this.access.current(auth) : read;
    if (!now || now.role !== auth.role || now.platformAdmin !== auth.platformAdmin) return false;
    if (this.sessions.get(session.info.id) !== session) return false;
    return this.projects.get(now, session.owner.projectId, 'write').then(
      () => true,
      (err: unknown) => (err instanceof DomainError ? false : Promise.reject(err)),
    );
  }

  private find(auth: AuthContext, id: string): PtySession {
    const session = isId('pty', id) ? this.sessions.get(id) : undefined;
    if (!session || !session.owns(auth)) throw new PtyNotFoundError(id);
    return session;
  }

  private async assertMay(auth: AuthContext, projectId: string, ownerId: string | null): Promise<void> {
    const agent = await this.agents.get(auth, undefined, projectId);
    const ruleset = await this.turns.permission(
      auth,
      { tenantId: auth.tenantId, projectId, permission: null },
      agent.name,
    );
    await this.permissions.assertTerminalMay({ tenantId: auth.tenantId, projectId, ownerId, ruleset });
  }

  private exited(session: PtySession, exitCode: number): void {
    this.publish(session, EventType.PtyExited, { id: session.info.id, exitCode });
    this.drop(session, 'the shell exited');
  }

  private drop(session: PtySession, reason: string): void {
    if (this.sessions.get(session.info.id) !== session) return;
    this.sessions.delete(session.info.id);
    session.close(reason);
    this.publish(session, EventType.PtyDeleted, { id: session.info.id });
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.config.pty.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.lastActive >= cutoff) continue;
      this.logger.log(`closing idle terminal ${session.info.id}`);
      this.drop(session, 'closed after being idle');
    }
  }

  private publish(session: PtySession, type: string, properties: Record<string, unknown>): void {
    const { tenantId, userId, projectId, directory } = session.owner;
    this.bus.publish({ tenantId, ownerId: userId, projectId, directory, type, properties });
  }
}

function validEnv(env: Record<string, string> | undefined): Record<string, string> {
  const entries = Object.entries(env ?? {});
  if (entries.length > MAX_ENV) throw new BadRequestError(`At most ${MAX_ENV} environment variables`);
  for (const [key, value] of entries) {
    if (!ENV_NAME.test(key)) throw new BadRequestError(`Invalid environment variable name: ${key.slice(0, 130)}`);
    if (typeof value !== 'string' || value.length > 4096 || value.includes('\0'))
      throw new BadRequestError(`Invalid value for environment variable ${key}`);
  }
  return Object.fromEntries(entries);
}
