import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { AuthContext } from '../../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/logging/logger';
import { EventType } from '../../event/event.types';
import { toMessageError } from '../../provider/retry';
import { messageErrorOf } from '../llm/llm-turn';
import { SessionLoopService } from '../prompt/session-loop.service';
import { SessionPromptService } from '../prompt/session-prompt.service';
import { SessionRepository, type SessionRow } from '../session.repository';
import { SessionService } from '../session.service';
import { RunLeaseRepository, type RunLeaseRow } from './run-lease.repository';
import { RunRecovery } from './run-recovery';
import { SessionRunService } from './session-run.service';

/** A turn taken over this many times is ended instead: one that kills every process it lands on must stop. */
export const MAX_RESUMES = 3;

/**
 * Durable runs (issue 20 item 6): every process (API or worker; they compose the same modules) sweeps for leases
 * whose process died, takes each over atomically (exactly one sweeper wins), puts the transcript back at its last
 * completed step (RunRecovery.interrupt) and resumes the loop as the session's owner. A run the user aborted, a
 * subagent's run inside a parent's turn, an ownerless session or a turn resumed too often is ended instead, as
 * before. Prompts waiting for the session join the resumed loop.
 */
@Injectable()
export class RunResumer implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;
  private sweeping = false;
  private stopped = false;

  constructor(
    private readonly runs: SessionRunService,
    private readonly leases: RunLeaseRepository,
    private readonly sessionRepo: SessionRepository,
    private readonly sessions: SessionService,
    private readonly recovery: RunRecovery,
    private readonly loop: SessionLoopService,
    private readonly prompts: SessionPromptService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => void this.tick(), this.runs.tickMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.sweeping || this.stopped) return;
    this.sweeping = true;
    try {
      await this.sweep();
    } catch (err) {
      this.logger.warn({ err }, 'run recovery sweep failed');
    } finally {
      this.sweeping = false;
    }
  }

  /** Takes over every abandoned lease this process wins; returns the sessions it took. */
  async sweep(): Promise<string[]> {
    const prefix = `${hostname()}:${process.pid}:`;
    const taken: string[] = [];
    for (const lease of await this.leases.abandoned(prefix, this.runs.owner)) {
      if (this.stopped) break;
      if (this.runs.isRunningHere(lease.id) || this.runs.acquiring.has(lease.id)) continue;
      const earlierLife = lease.runOwner.startsWith(prefix);
      const resumes = await this.leases.claim(
        lease.id,
        lease.runOwner,
        this.runs.owner,
        this.config.runLeaseMs,
        earlierLife,
      );
      if (resumes === undefined) continue;
      taken.push(lease.id);
      await this.takeOver(lease, resumes).catch(async (err) => {
        this.logger.error({ err, sessionId: lease.id }, 'could not take over a run left by a dead process');
        await this.leases.release(lease.id, this.runs.owner).catch(() => undefined);
      });
    }
    return taken;
  }

  private async takeOver(lease: RunLeaseRow, resumes: number): Promise<void> {
    const row = await this.sessionRepo.find(lease.tenantId, lease.id);
    if (!row) return this.leases.release(lease.id, this.runs.owner);
    const auth = await this.resumableAs(lease, row, resumes);
    if (!auth) {
      this.logger.warn(
        { sessionId: row.id, from: lease.runOwner, aborted: lease.aborted, resumes },
        'ending a run left by a dead process',
      );
      await this.recovery.end(row, lease.aborted);
      await this.leases.release(row.id, this.runs.owner);
      this.runs.setStatus(row, { type: 'idle' });
      return;
    }
    const repaired = await this.recovery.interrupt(row);
    this.logger.warn(
      { sessionId: row.id, from: lease.runOwner, resumes, repaired },
      'resuming a loop left by a dead process',
    );
    void this.runs
      .adopt(row, (signal) => this.loop.loop(auth, row, signal, this.prompts))
      .catch((err) => {
        this.logger.error({ err, sessionId: row.id }, 'resumed loop failed');
        this.sessions.publish(row, EventType.SessionError, {
          sessionID: row.id,
          error: messageErrorOf(err) ?? toMessageError(err),
        });
      });
  }

  /**
   * Who the resumed loop runs as, or undefined when the run is ended instead. A child session whose parent is
   * running belongs to the parent's turn (a task tool call): the parent resumes, reads that call as interrupted and
   * decides; the child is not run on its own.
   */
  private async resumableAs(lease: RunLeaseRow, row: SessionRow, resumes: number): Promise<AuthContext | undefined> {
    if (lease.aborted || !row.userId || resumes > MAX_RESUMES) return undefined;
    if (row.parentId) {
      const parent = await this.sessionRepo.find(row.tenantId, row.parentId);
      if (parent?.runOwner) return undefined;
    }
    return this.leases.ownerAuth(row.tenantId, row.userId);
  }
}
