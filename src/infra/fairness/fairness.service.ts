import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { FairSemaphore } from './fair-semaphore';

export type SlotKind = 'loop' | 'llm';

/**
 * Fairness between schools inside one process: a school runs at most LOOPS_PER_TENANT loops and LLM_CALLS_PER_TENANT
 * LLM calls at once, the process at most LOOPS_MAX and LLM_CALLS_MAX; what waits is served school by school in turn.
 * The caps are per process (N API processes give a school N times the cap): a fleet-wide cap would put a Redis
 * round trip in front of every LLM call, and a rush already spreads over the processes behind the load balancer.
 */
@Injectable()
export class FairnessService {
  private readonly slots: Record<SlotKind, FairSemaphore>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    const f = config.fairness;
    this.slots = {
      loop: new FairSemaphore(f.loopsPerTenant, f.loopsMax),
      llm: new FairSemaphore(f.llmPerTenant, f.llmMax),
    };
  }

  /**
   * Waits for a slot of `kind` for the school, then returns its release. Rejects with SlotWaitAborted when the
   * signal aborts first. The running gauges count held slots; the waiting gauge counts the queue.
   */
  async acquire(kind: SlotKind, tenantId: string, signal?: AbortSignal): Promise<() => void> {
    const gauge = kind === 'loop' ? this.metrics.loopsRunning : this.metrics.llmActive;
    const waiting = { kind, tenant: tenantId };
    this.metrics.slotsWaiting.inc(waiting);
    let release: () => void;
    try {
      release = await this.slots[kind].acquire(tenantId, signal);
    } finally {
      this.metrics.slotsWaiting.dec(waiting);
    }
    gauge.inc({ tenant: tenantId });
    let done = false;
    return () => {
      if (done) return;
      done = true;
      gauge.dec({ tenant: tenantId });
      release();
    };
  }

  /** For tests and the bench: slots held and waiting for a school. */
  usage(kind: SlotKind, tenantId: string): { active: number; waiting: number } {
    return { active: this.slots[kind].activeFor(tenantId), waiting: this.slots[kind].waitingFor(tenantId) };
  }
}
