import { Inject, Injectable } from '@nestjs/common';
import { AsyncLocalStorage } from 'node:async_hooks';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { FairSemaphore } from './fair-semaphore';
import { FirstOutputPriority } from './first-output-priority';

export type SlotKind = 'loop' | 'llm' | 'intake';

/** An intake slot a request took at its admission, before its own work: the intake it runs takes it over. */
interface Admission {
  tenantId: string;
  release: () => void;
  taken: boolean;
}

/**
 * Fairness between schools inside one process (docs/operations.md, Fairness): hard caps per school and in total,
 * a fair share of LOOPS_SHARED / LLM_CALLS_SHARED / PROMPT_INTAKES_SHARED between the schools that are busy, freed slots to the school
 * holding the fewest, and a lighter school's first output ahead of a heavier school's streams. The caps are per
 * process (N API processes give a school N times the cap): a fleet-wide cap would put a Redis round trip in front
 * of every LLM call, and a rush already spreads over the processes behind the load balancer.
 */
@Injectable()
export class FairnessService {
  private readonly slots: Record<SlotKind, FairSemaphore>;
  private readonly priority: FirstOutputPriority;
  private readonly admission = new AsyncLocalStorage<Admission>();

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const f = config.fairness;
    this.slots = {
      loop: new FairSemaphore(f.loopsPerTenant, f.loopsMax, { shared: f.loopsShared, windowMs: f.busyWindowMs }),
      llm: new FairSemaphore(f.llmPerTenant, f.llmMax, { shared: f.llmShared, windowMs: f.busyWindowMs }),
      // A prompt's intake (its checks and the stored user turn) is a burst of queries on a pool every school
      // shares in arrival order: a flood's hundred intakes at once would queue the other schools' behind them.
      intake: new FairSemaphore(0, 0, { shared: f.intakesShared, windowMs: f.busyWindowMs }),
    };
    // A school's weight is the loops it runs here: the lighter school's first output goes first.
    this.priority = new FirstOutputPriority(f.priorityMs, (tenantId) => this.slots.loop.activeFor(tenantId));
  }

  /**
   * Waits for a slot of `kind` for the school, then returns its release. Rejects with SlotWaitAborted when the
   * signal aborts first. A school behind a lighter school's first output starts nothing new until it is out. The
   * running gauges count held slots; the waiting gauge counts the queue.
   */
  async acquire(kind: SlotKind, tenantId: string, signal?: AbortSignal): Promise<() => void> {
    const admitted = kind === 'intake' ? this.admission.getStore() : undefined;
    if (admitted && !admitted.taken && admitted.tenantId === tenantId) {
      admitted.taken = true;
      return admitted.release;
    }
    const gauge = kind === 'loop' ? this.metrics.loopsRunning : kind === 'llm' ? this.metrics.llmActive : undefined;
    const waiting = { kind, tenant: tenantId };
    this.metrics.slotsWaiting.inc(waiting);
    let release: () => void;
    try {
      await this.priority.yieldTo(tenantId);
      release = await this.slots[kind].acquire(tenantId, signal);
    } finally {
      this.metrics.slotsWaiting.dec(waiting);
    }
    gauge?.inc({ tenant: tenantId });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      gauge?.dec({ tenant: tenantId });
      release();
    };
  }

  /**
   * A prompt request's admission: waits for the school's intake slot before the request's own work (validation,
   * session load, checks), so a flood's excess requests wait here, cheaply, while another school's go first. Returns
   * `run`, which runs the request's handling holding that slot (the first intake inside takes it over and releases
   * it when done), and `release` for when the handling ends without an intake (idempotent).
   */
  async admit(tenantId: string): Promise<{ run<T>(work: () => T): T; release(): void }> {
    const held: Admission = { tenantId, release: await this.acquire('intake', tenantId), taken: false };
    return { run: (work) => this.admission.run(held, work), release: held.release };
  }

  /**
   * A prompt of the school's session was accepted: until its first output (`firstOutput`) or the returned end, heavier
   * schools' streams and new work yield to it (at most FAIR_PRIORITY_MS).
   */
  promptStarted(tenantId: string, sessionId: string): () => void {
    return this.priority.start(tenantId, sessionId);
  }

  /** The session's first streamed output is out. */
  firstOutput(sessionId: string): void {
    this.priority.served(sessionId);
  }

  /**
   * Resolves at once (undefined) unless a lighter school's prompt waits for its first output; then once that is out,
   * or the priority window ended. Called between a stream's events: the heavy school's socket waits unread.
   */
  yieldTo(tenantId: string): Promise<void> | undefined {
    return this.priority.yieldTo(tenantId);
  }

  /** For tests and the bench: slots held and waiting for a school, and the most it may hold now. */
  usage(kind: SlotKind, tenantId: string): { active: number; waiting: number; limit: number } {
    const s = this.slots[kind];
    return { active: s.activeFor(tenantId), waiting: s.waitingFor(tenantId), limit: s.limitFor(tenantId) };
  }
}
