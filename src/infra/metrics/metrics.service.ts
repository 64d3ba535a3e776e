import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

// Every label here is bounded: a school (tenant id), a model of the catalogue, a route template, a queue, an
// outcome from a fixed list. Never a user, a session, a raw URL or an error message: each distinct value is a
// series Prometheus keeps forever.

/** Seconds: from a fast route (a few ms) to a long synchronous prompt (minutes). */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
const LLM_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80, 160, 320];
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export type LlmOutcome = 'ok' | 'error' | 'aborted' | 'refused';
export type TokenKind = 'input' | 'output' | 'reasoning' | 'cache_read' | 'cache_write';

/**
 * The process's Prometheus registry and the product's metrics (prom-client). One registry per application
 * instance rather than prom-client's global one: tests boot several apps in one process, and each must count alone.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'oc_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method and status class (SSE streams: until they close)',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  readonly sseStreams = new Gauge({
    name: 'oc_sse_streams_active',
    help: 'Open server-sent-event streams by kind (event, global, share) and school',
    labelNames: ['kind', 'tenant'] as const,
    registers: [this.registry],
  });

  readonly loopsRunning = new Gauge({
    name: 'oc_session_loops_running',
    help: 'Session loops running in this process, by school',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly slotsWaiting = new Gauge({
    name: 'oc_fairness_waiting',
    help: "Loops and LLM calls waiting for a slot (their school's cap or the process's), by kind and school",
    labelNames: ['kind', 'tenant'] as const,
    registers: [this.registry],
  });

  readonly llmActive = new Gauge({
    name: 'oc_llm_calls_active',
    help: 'LLM calls streaming now, by school',
    labelNames: ['tenant'] as const,
    registers: [this.registry],
  });

  readonly llmCalls = new Counter({
    name: 'oc_llm_calls_total',
    help: 'LLM calls by school, model, purpose and outcome (ok, error, aborted, refused by a budget)',
    labelNames: ['tenant', 'model', 'purpose', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly llmDuration = new Histogram({
    name: 'oc_llm_call_duration_seconds',
    help: 'LLM call duration, first byte sent to stream end, by model and purpose',
    labelNames: ['model', 'purpose'] as const,
    buckets: LLM_BUCKETS,
    registers: [this.registry],
  });

  readonly llmTokens = new Counter({
    name: 'oc_llm_tokens_total',
    help: 'Tokens used by school, model and kind (input, output, reasoning, cache_read, cache_write)',
    labelNames: ['tenant', 'model', 'kind'] as const,
    registers: [this.registry],
  });

  readonly llmCost = new Counter({
    name: 'oc_llm_cost_dollars_total',
    help: 'Cost of LLM calls in dollars by school and model (the catalogue price of the usage)',
    labelNames: ['tenant', 'model'] as const,
    registers: [this.registry],
  });

  readonly budgetRefusals = new Counter({
    name: 'oc_budget_refusals_total',
    help: "Work refused by a school's budget or limit, by school and refusal code",
    labelNames: ['tenant', 'code'] as const,
    registers: [this.registry],
  });

  readonly jobDuration = new Histogram({
    name: 'oc_queue_job_duration_seconds',
    help: 'Queue job run time by queue, job and outcome (completed, failed)',
    labelNames: ['queue', 'job', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  readonly sandboxRuns = new Counter({
    name: 'oc_sandbox_runs_total',
    help: 'Commands run by school, door (bash, shell, mcp, ...), isolation and outcome (ok, exit, timeout, aborted, output_limit, refused, error)',
    labelNames: ['tenant', 'via', 'sandboxed', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly pluginFailures = new Counter({
    name: 'oc_plugin_failures_total',
    help: 'Platform plugin calls that threw or overran their time limit, by plugin, hook (or start) and outcome (error, timeout)',
    labelNames: ['plugin', 'hook', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly overloadRefusals = new Counter({
    name: 'oc_overload_refusals_total',
    help: 'New prompts and event streams refused with a 503 because the event loop was behind (OVERLOAD_LAG_MS), by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * A gauge read when scraped (queue depths, the database pool, Redis): `collect` sets its values. A collector
   * that fails leaves its gauge as it was; the scrape itself never fails for it.
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (gauge: Gauge<L>) => Promise<void> | void,
  ): Gauge<L> {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        try {
          await collect(this);
        } catch {
          // a dependency that does not answer is its own metric's business (oc_redis_up), not the scrape's
        }
      },
    });
  }

  /** The admission gate's reading of the event loop's lag, and whether it refuses new work now (OVERLOAD_LAG_MS). */
  watchOverload(lag: { readonly ms: number }, limitMs: number): void {
    this.gauge(
      'oc_overload_loop_lag_seconds',
      "The event loop's lag as the admission gate reads it (moving average)",
      [],
      (g) => g.set(lag.ms / 1000),
    );
    this.gauge(
      'oc_overload_shedding',
      '1 while new prompts and event streams are refused for the lag, else 0',
      [],
      (g) => g.set(limitMs > 0 && lag.ms > limitMs ? 1 : 0),
    );
  }

  /** Counts an open stream; call what it returns when the stream closes. */
  trackStream(kind: 'event' | 'global' | 'share', tenant: string): () => void {
    this.sseStreams.inc({ kind, tenant });
    return () => this.sseStreams.dec({ kind, tenant });
  }

  llmCallFinished(
    labels: { tenant: string; model: string; purpose: string },
    outcome: LlmOutcome,
    seconds?: number,
  ): void {
    this.llmCalls.inc({ ...labels, outcome });
    if (seconds !== undefined) this.llmDuration.observe({ model: labels.model, purpose: labels.purpose }, seconds);
  }

  llmUsage(tenant: string, model: string, tokens: Record<TokenKind, number>, costDollars: number): void {
    for (const [kind, n] of Object.entries(tokens)) if (n > 0) this.llmTokens.inc({ tenant, model, kind }, n);
    if (costDollars > 0) this.llmCost.inc({ tenant, model }, costDollars);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
