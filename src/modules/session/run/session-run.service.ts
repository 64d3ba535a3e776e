import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
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
import type { MessageWithParts, SessionStatus } from '../session.types';
import { ProcessLiveness } from '../../../infra/database/process-liveness';
import { RunLeaseRepository } from './run-lease.repository';
import { RUN_LIMITS, type RunLimits } from './run-limits.port';
import { handedOver, RunHandedOver } from './run-handover';

/** Internal bus event: asks the process that runs a session's loop to abort it. Never sent to clients. */
export const ABORT_REQUEST = 'internal.session.abort';

/** A loop; `history`, when given, is the session's history as read with the lease (`run`'s `withHistory`). */
type RunFn = (signal: AbortSignal, history?: MessageWithParts[]) => Promise<unknown>;

interface LocalRun {
  row: SessionRow;
  controller: AbortController;
  promise: Promise<void>;
  status: SessionStatus;
  /** A prompt stored its message and joined this run: a history read with the lease no longer holds it. */
  joined?: boolean;
  /** The loop's last write is releasing the lease (renewals skip it), or released it (the run's end does not). */
  lease?: 'releasing' | 'released';
}

/**
 * One loop per session across all processes: a lease row in Postgres (works embedded and with Redis alike) taken
 * before running and renewed while running. A prompt arriving while the session runs here joins the running loop;
 * while it runs elsewhere, it waits for that loop to go idle. A lease whose process died is taken over and its
 * loop resumed by RunResumer; a lease this process lost that way stops its local loop without a word.
 */
@Injectable()
export class SessionRunService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly runs = new Map<string, LocalRun>();
  /** Sessions whose lease this process is taking right now (not yet in `runs`): never swept as abandoned. */
  readonly acquiring = new Map<string, number>();
  private timer?: NodeJS.Timeout;
  private offAbort?: () => void;
  private stopping = false;
  private renewing = false; // a renewal in flight: the tick skips

  constructor(
    private readonly sessions: SessionRepository,
    private readonly bus: EventBus,
    @Inject(RUN_LIMITS) private readonly limits: RunLimits,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly leases: RunLeaseRepository,
    private readonly fairness: FairnessService,
    private readonly liveness: ProcessLiveness,
  ) {}

  /** This process as the owner of its leases; while it lives (ProcessLiveness) they are never taken over. */
  get owner(): string {
    return this.liveness.owner;
  }

  /**
   * How often leases are renewed (and abandoned ones swept, RunResumer): a sixth of the lease, between 250 ms and
   * 1 s. A dead process's loop is taken over at most a lease plus a tick after its last renewal (4 s + 0.67 s by
   * default); a live one keeps its leases however late its renewals, since it holds its liveness lock.
   */
  get tickMs(): number {
    return Math.min(1000, Math.max(250, Math.floor(this.config.runLeaseMs / 6)));
  }

  async onApplicationBootstrap(): Promise<void> {
    // While this process lives, its leases are never taken over, however late their renewals (RunLeaseRepository).
    void this.liveness.ready();
    this.offAbort = this.bus.subscribe(
      (e) => e.event.type === ABORT_REQUEST && this.runs.has(String(e.sessionId)),
      (e) => this.runs.get(String(e.sessionId))?.controller.abort(),
    );
    this.timer = setInterval(() => void this.tick(), this.tickMs);
    this.timer.unref();
  }

  /**
   * A process that stops hands its loops over instead of aborting them: they stop without writing, their leases
   * expire at once and a live process resumes them (or this one after a restart, when it is the only one).
   */
  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    this.offAbort?.();
    for (const run of this.runs.values()) run.controller.abort(new RunHandedOver());
    await settlesWithin(Promise.allSettled([...this.runs.values()].map((r) => r.promise)), 3000);
    await this.leases
      .expireAll(this.owner)
      .catch((err) => this.logger.warn({ err }, 'could not hand the run leases over'));
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

  /** A prompt joined the loop running here: its turn is in the history, not in what the loop has in memory. */
  joinedHere(sessionId: string): boolean {
    return !!this.runs.get(sessionId)?.joined;
  }

  /**
   * The owner to release the lease as in the loop's last write (a round trip less per turn); undefined keeps it (a
   * prompt joined: the loop steps on). `done` records the outcome; a prompt joining later runs its own loop.
   */
  releaseWithLastWrite(sessionId: string): { owner: string; done(released: boolean): void } | undefined {
    const run = this.runs.get(sessionId);
    if (!run || run.joined || run.lease || this.stopping || run.controller.signal.aborted) return undefined;
    run.lease = 'releasing';
    return { owner: this.owner, done: (released) => (run.lease = released ? 'released' : undefined) };
  }

  setStatus(row: SessionRow, status: SessionStatus): void {
    const run = this.runs.get(row.id);
    if (run) run.status = status;
    this.publish(row, EventType.SessionStatus, { sessionID: row.id, status });
    if (status.type === 'idle') this.publish(row, EventType.SessionIdle, { sessionID: row.id });
  }

  /**
   * The lease a prompt may take in the statement that stores it (MessageRepository.storePrompt): none while the
   * session runs here (the prompt joins that loop) or when the owner's concurrency limit must be claimed with it.
   */
  async intakeLease(row: SessionRow): Promise<{ owner: string; leaseMs: number } | undefined> {
    if (this.runs.has(row.id) || this.stopping) return undefined;
    if (row.userId && !row.parentId && (await this.limits.concurrentSessions(row.tenantId, row.userId))) return;
    return { owner: this.owner, leaseMs: this.config.runLeaseMs };
  }

  /**
   * Runs `fn` as this session's loop, or joins the one running. Resolves when the loop that will see the
   * caller's message has finished. `withHistory`: the lease is taken together with a read of the session's history
   * (one round trip instead of two), handed to `fn` unless a prompt joined the run before the loop started. `taken`:
   * the history read when the caller's intake took the lease already (intakeLease); the first attempt runs on it.
   */
  async run(
    row: SessionRow,
    fn: RunFn,
    opts: { withHistory?: boolean; taken?: MessageWithParts[] } = {},
  ): Promise<void> {
    let taken = opts.taken;
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const existing = this.runs.get(row.id);
      if (existing) {
        // Same owner: the lease taken at intake is the running loop's, released when that loop ends.
        taken = undefined;
        existing.joined = true;
        await existing.promise.catch(() => undefined);
        // The loop may have passed its exit check before our message landed: run again (exits at once if
        // there is nothing left to answer).
        continue;
      }
      const acquired = taken ? { history: taken } : await this.acquireCounted(row, opts.withHistory ?? false);
      taken = undefined;
      if (!acquired) {
        await this.bus.waitFor(
          (e) => e.sessionId === row.id && e.event.type === EventType.SessionIdle,
          this.config.runLeaseMs,
        );
        continue;
      }
      if (this.runs.has(row.id)) continue;
      // A loop handed over goes on in another process: the caller waits for it there, as for any loop running
      // elsewhere, and then reads its answer (a synchronous prompt must not return the unfinished message).
      if ((await this.start(row, fn, acquired.history)) || this.stopping) return;
    }
  }

  private acquireCounted(row: SessionRow, withHistory: boolean): ReturnType<SessionRunService['acquire']> {
    this.acquiring.set(row.id, (this.acquiring.get(row.id) ?? 0) + 1);
    return this.acquire(row, withHistory).finally(() => {
      const n = (this.acquiring.get(row.id) ?? 1) - 1;
      if (n > 0) this.acquiring.set(row.id, n);
      else this.acquiring.delete(row.id);
    });
  }

  /**
   * Runs `fn` as the loop of a session whose lease this process has just taken over from a dead one (RunResumer).
   * Prompts arriving here meanwhile join it as they join any local run.
   */
  async adopt(row: SessionRow, fn: RunFn): Promise<void> {
    await this.start(row, fn);
  }

  /** Runs the loop under the lease just taken; false when it was handed over to another process meanwhile. */
  private async start(row: SessionRow, fn: RunFn, history?: MessageWithParts[]): Promise<boolean> {
    const controller = new AbortController();
    const run: LocalRun = { row, controller, status: { type: 'busy' }, promise: Promise.resolve() };
    this.runs.set(row.id, run);
    this.setStatus(row, { type: 'busy' });
    run.promise = (async () => {
      try {
        // Decided once the slot is there: a prompt that joined while the loop waited came after the read.
        await this.withLoopSlot(row, controller.signal, () => fn(controller.signal, run.joined ? undefined : history));
      } finally {
        // Release before forgetting the run: a prompt arriving in between would otherwise take the lease (same
        // owner) and start a loop whose lease this release then clears, and the next tick would abort it.
        if (run.lease !== 'released')
          await this.leases
            .release(row.id, this.owner)
            .catch((err) => this.logger.warn({ err, sessionId: row.id }, 'lease release failed'));
        this.runs.delete(row.id);
        // A loop handed over goes on elsewhere: the session is not idle.
        if (!handedOver(controller.signal)) this.setStatus(row, { type: 'idle' });
      }
    })();
    await run.promise;
    return !handedOver(controller.signal);
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
   * The lease, claimed together with a slot of the owner's concurrency limit when a budget sets one (the history is
   * then read by the loop itself). A subagent's child session runs inside its parent's turn and slot. False when
   * another loop holds the session.
   */
  private async acquire(row: SessionRow, withHistory: boolean): Promise<false | { history?: MessageWithParts[] }> {
    const cap =
      row.userId && !row.parentId ? await this.limits.concurrentSessions(row.tenantId, row.userId) : undefined;
    if (!cap && withHistory) {
      const r = await this.leases.acquireWithHistory(row.tenantId, row.id, this.owner, this.config.runLeaseMs);
      return r.acquired && { history: r.history };
    }
    if (!cap) return (await this.sessions.acquireLease(row.id, this.owner, this.config.runLeaseMs)) && {};
    const r = await this.sessions.acquireLeaseWithin(row.id, this.owner, this.config.runLeaseMs, {
      tenantId: row.tenantId,
      userId: row.userId!,
      limit: cap.limit,
    });
    if (typeof r === 'object') return cap.refuse(r.refused);
    return r && {};
  }

  /**
   * Aborts the loop wherever it runs. Returns whether one was running. The abort is also kept with the lease: the
   * owner stops at its next renewal if the bus message is lost, and a loop whose process died meanwhile is ended,
   * never resumed.
   */
  async abort(row: SessionRow): Promise<boolean> {
    const local = this.runs.get(row.id);
    if (local) {
      local.controller.abort();
      await local.promise.catch(() => undefined);
      return true;
    }
    const busy = await this.leases.markAborted(row.id);
    if (busy) this.bus.publish({ tenantId: row.tenantId, sessionId: row.id, type: ABORT_REQUEST, properties: {} });
    return busy;
  }

  private async tick(): Promise<void> {
    // One renewal at a time: two at once deadlocked on the same rows under load, each held a pool connection, and
    // every tick fell further behind (bench/README session 11). Late is harmless: the liveness lock keeps the leases.
    if (!this.runs.size || this.renewing) return;
    this.renewing = true;
    await this.renew().finally(() => (this.renewing = false));
  }

  private async renew(): Promise<void> {
    // A lease the loop's last write releases (or released) is not renewed: its loop is ending.
    const runs = [...this.runs].filter(([, run]) => !run.lease);
    if (!runs.length) return;
    // One statement for every lease of this process. A failed renewal (the database away) aborts nothing: the
    // leases stay until they expire, and the loops find the database as they find it.
    const held = await this.leases
      .renewAll(
        this.owner,
        runs.map(([id]) => id),
        this.config.runLeaseMs,
      )
      .catch(() => undefined);
    if (!held) return;
    for (const [id, run] of runs) {
      // Only the run that was renewed (or not) is stopped, not a newer one started meanwhile.
      if (this.runs.get(id) !== run || run.controller.signal.aborted || run.lease) continue;
      const lease = held.get(id);
      if (lease?.aborted) run.controller.abort();
      else if (!lease) {
        this.logger.warn({ sessionId: id }, 'the run lease went to another process; stopping the local loop');
        run.controller.abort(new RunHandedOver());
      }
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
