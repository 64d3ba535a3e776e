import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { settlesWithin } from '../../../core/lifecycle/settles-within';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/logging/logger';
import { FairnessService } from '../../../infra/fairness/fairness.service';
import { SlotWaitAborted } from '../../../infra/fairness/fair-semaphore';
import { inSpan } from '../../../infra/telemetry/tracing';
import { EventBus } from '../../event/event.bus';
import { EventType } from '../../event/event.types';
import { SessionRepository, type SessionRow } from '../session.repository';
import type { SessionStatus } from '../session.types';
import { RUN_LIMITS, type RunLimits } from './run-limits.port';
import { RunRecovery } from './run-recovery';

/** Internal bus event: asks the process that runs a session's loop to abort it. Never sent to clients. */
export const ABORT_REQUEST = 'internal.session.abort';

type RunFn = (signal: AbortSignal) => Promise<unknown>;

interface LocalRun {
  row: SessionRow;
  controller: AbortController;
  promise: Promise<void>;
  status: SessionStatus;
}

/**
 * One loop per session across all API processes: a lease row in Postgres (works embedded and with Redis
 * alike) taken before running and renewed while running. A prompt arriving while the session runs here
 * joins the running loop; while it runs elsewhere, it waits for that loop to go idle.
 */
@Injectable()
export class SessionRunService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly bootId = randomBytes(4).toString('hex');
  readonly owner = `${hostname()}:${process.pid}:${this.bootId}`;
  private readonly runs = new Map<string, LocalRun>();
  /** Sessions whose lease this process is taking right now (not yet in `runs`): never swept as abandoned. */
  private readonly acquiring = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private offAbort?: () => void;

  constructor(
    private readonly sessions: SessionRepository,
    private readonly bus: EventBus,
    @Inject(RUN_LIMITS) private readonly limits: RunLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly recovery: RunRecovery,
    private readonly fairness: FairnessService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.offAbort = this.bus.subscribe(
      (e) => e.event.type === ABORT_REQUEST && this.runs.has(String(e.sessionId)),
      (e) => this.runs.get(String(e.sessionId))?.controller.abort(),
    );
    await this.sweep().catch((err) => this.logger.warn({ err }, 'initial recovery sweep failed'));
    this.timer = setInterval(() => void this.tick(), Math.max(1000, Math.floor(this.config.runLeaseMs / 3)));
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.offAbort?.();
    for (const run of this.runs.values()) run.controller.abort();
    await settlesWithin(Promise.allSettled([...this.runs.values()].map((r) => r.promise)), 3000);
  }

  statusOf(sessionId: string): SessionStatus {
    return this.runs.get(sessionId)?.status ?? { type: 'idle' };
  }

  /** Non-idle sessions: runs here plus leases held by other live processes. */
  async statuses(
    tenantId: string,
    visible: (userId: string | null) => boolean,
  ): Promise<Record<string, SessionStatus>> {
    const out: Record<string, SessionStatus> = {};
    for (const row of await this.sessions.busy(tenantId)) if (visible(row.userId)) out[row.id] = { type: 'busy' };
    for (const [id, run] of this.runs)
      if (run.row.tenantId === tenantId && visible(run.row.userId)) out[id] = run.status;
    return out;
  }

  isRunningHere(sessionId: string): boolean {
    return this.runs.has(sessionId);
  }

  setStatus(row: SessionRow, status: SessionStatus): void {
    const run = this.runs.get(row.id);
    if (run) run.status = status;
    this.publish(row, EventType.SessionStatus, { sessionID: row.id, status });
    if (status.type === 'idle') this.publish(row, EventType.SessionIdle, { sessionID: row.id });
  }

  /**
   * Runs `fn` as this session's loop, or joins the one running. Resolves when the loop that will see the
   * caller's message has finished.
   */
  async run(row: SessionRow, fn: RunFn): Promise<void> {
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const existing = this.runs.get(row.id);
      if (existing) {
        await existing.promise.catch(() => undefined);
        // The loop may have passed its exit check before our message landed: run again (exits at once if
        // there is nothing left to answer).
        continue;
      }
      this.acquiring.set(row.id, (this.acquiring.get(row.id) ?? 0) + 1);
      const acquired = await this.acquire(row).finally(() => {
        const n = (this.acquiring.get(row.id) ?? 1) - 1;
        if (n > 0) this.acquiring.set(row.id, n);
        else this.acquiring.delete(row.id);
      });
      if (!acquired) {
        await this.bus.waitFor(
          (e) => e.sessionId === row.id && e.event.type === EventType.SessionIdle,
          this.config.runLeaseMs,
        );
        continue;
      }
      if (this.runs.has(row.id)) continue;
      const controller = new AbortController();
      const run: LocalRun = { row, controller, status: { type: 'busy' }, promise: Promise.resolve() };
      this.runs.set(row.id, run);
      this.setStatus(row, { type: 'busy' });
      run.promise = (async () => {
        try {
          await this.withLoopSlot(row, controller.signal, () => fn(controller.signal));
        } finally {
          // Release before forgetting the run: a prompt arriving in between would otherwise take the lease (same
          // owner) and start a loop whose lease this release then clears, and the next tick would abort it.
          await this.sessions
            .releaseLease(row.id, this.owner)
            .catch((err) => this.logger.warn({ err, sessionId: row.id }, 'lease release failed'));
          this.runs.delete(row.id);
          this.setStatus(row, { type: 'idle' });
        }
      })();
      await run.promise;
      return;
    }
  }

  /**
   * Runs the loop in one of its school's loop slots (fairness between schools; the session shows busy while it
   * waits). A child session runs inside its parent's turn and slot: waiting here could deadlock a school at its cap.
   * Aborted while waiting, the loop never starts and the caller reads the session as it is.
   */
  private withLoopSlot(row: SessionRow, signal: AbortSignal, loop: () => Promise<unknown>): Promise<void> {
    const attributes = { 'opencode.tenant': row.tenantId, 'opencode.session': row.id };
    return inSpan('session.loop', attributes, () => this.inLoopSlot(row, signal, loop));
  }

  private async inLoopSlot(row: SessionRow, signal: AbortSignal, loop: () => Promise<unknown>): Promise<void> {
    if (row.parentId) {
      await loop();
      return;
    }
    let release: () => void;
    try {
      release = await this.fairness.acquire('loop', row.tenantId, signal);
    } catch (err) {
      if (err instanceof SlotWaitAborted) return;
      throw err;
    }
    try {
      await loop();
    } finally {
      release();
    }
  }

  /**
   * The lease, claimed together with a slot of the owner's concurrency limit when a budget sets one. A subagent's
   * child session runs inside its parent's turn and slot.
   */
  private async acquire(row: SessionRow): Promise<boolean> {
    const cap =
      row.userId && !row.parentId ? await this.limits.concurrentSessions(row.tenantId, row.userId) : undefined;
    if (!cap) return this.sessions.acquireLease(row.id, this.owner, this.config.runLeaseMs);
    const r = await this.sessions.acquireLeaseWithin(row.id, this.owner, this.config.runLeaseMs, {
      tenantId: row.tenantId,
      userId: row.userId!,
      limit: cap.limit,
    });
    if (typeof r === 'object') return cap.refuse(r.refused);
    return r;
  }

  /** Aborts the loop wherever it runs. Returns whether one was running. */
  async abort(row: SessionRow): Promise<boolean> {
    const local = this.runs.get(row.id);
    if (local) {
      local.controller.abort();
      await local.promise.catch(() => undefined);
      return true;
    }
    const busy = (await this.sessions.busy(row.tenantId)).some((b) => b.id === row.id);
    if (busy) this.bus.publish({ tenantId: row.tenantId, sessionId: row.id, type: ABORT_REQUEST, properties: {} });
    return busy;
  }

  private async tick(): Promise<void> {
    // All at once: renewing hundreds of leases one after the other outlasted the lease itself under load, and the
    // sweep then took the expired leases of live loops. Only the run that asked is aborted, not a newer one.
    await Promise.all(
      [...this.runs].map(async ([id, run]) => {
        const held = await this.sessions.renewLease(id, this.owner, this.config.runLeaseMs).catch(() => true);
        if (!held && this.runs.get(id) === run) {
          this.logger.warn({ sessionId: id }, 'lost the run lease; aborting the local loop');
          run.controller.abort();
        }
      }),
    );
    await this.sweep().catch(() => undefined);
  }

  /** Sessions left busy by a dead process: their unfinished message gets an error, the session goes idle. */
  private async sweep(): Promise<void> {
    const prefix = `${hostname()}:${process.pid}:`;
    for (const s of await this.sessions.abandoned(prefix, this.owner)) {
      if (this.runs.has(s.id) || this.acquiring.has(s.id) || !s.runOwner) continue;
      this.logger.warn({ sessionId: s.id, owner: s.runOwner }, 'recovering a session left busy by a dead process');
      await this.recovery
        .recover(s.tenantId, s.id)
        .catch((err) => this.logger.error({ err, sessionId: s.id }, 'recovery failed'));
      await this.sessions.releaseLease(s.id, s.runOwner);
      const row = await this.sessions.find(s.tenantId, s.id);
      if (row) this.setStatus(row, { type: 'idle' });
    }
  }

  private publish(row: SessionRow, type: string, properties: Record<string, unknown>): void {
    this.bus.publish({
      tenantId: row.tenantId,
      sessionId: row.id,
      ownerId: row.userId ?? undefined,
      projectId: row.projectId,
      directory: row.directory,
      type,
      properties,
    });
  }
}
