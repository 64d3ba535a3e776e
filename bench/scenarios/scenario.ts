import type { FakeLlm } from '../../test/fakes/llm';
import type { Client } from '../lib/client';
import type { Summary } from '../lib/stats';
import type { Target } from '../servers/target';

export interface BenchOptions {
  reps: number;
  /** Concurrency levels for the throughput scenario. */
  levels: number[];
  subscribers: number;
  messages: number;
  /** Seconds allowed for seeding the list scenario's session. */
  seedTimeoutS: number;
  rssSessions: number;
  longTokens: number;
  longDelayMs: number;
  /** Seconds; the scenario's own limit is derived from it when it needs more. */
  timeoutS: number;
  /** stream-capacity: concurrent streams per level, tokens/s of each, steady seconds wanted, the p99 gap line. */
  streamLevels: number[];
  streamRate: number;
  streamSeconds: number;
  streamGapMs: number;
  /** stream-capacity: SSE client processes (0: one per 250 streams); read the fake LLM directly, no server. */
  streamClients: number;
  streamDirect: boolean;
  /** fairness: students of a small school (the flooding school has `fairFactor` times as many), seconds per phase. */
  fairStudents: number;
  fairFactor: number;
  fairSeconds: number;
  /** fairness: the flood's students start over this many seconds (0: at once). */
  fairRampS: number;
  fairThinkMs: number;
  fairTokens: number;
}

export interface Metric {
  key: string;
  label: string;
  unit: string;
  value: number | null;
  better: 'lower' | 'higher';
  /** The whole distribution, kept in latest.json. */
  summary?: Summary;
}

export interface ScenarioContext {
  target: Target;
  client: Client;
  /** Another client on the same server with a longer per-request limit (queued prompts under load). */
  clientWithTimeout(ms: number): Promise<Client>;
  llm: FakeLlm;
  opts: BenchOptions;
  /** Aborted when the scenario's time is up; loops check it and stop. */
  signal: AbortSignal;
  record(metric: Metric): void;
  note(text: string): void;
  log(text: string): void;
}

export interface Scenario {
  name: string;
  description: string;
  timeoutMs(opts: BenchOptions): number;
  run(ctx: ScenarioContext): Promise<void>;
}

/** Records median and p95 (and p99 when asked) of one latency distribution. */
export function recordLatency(ctx: ScenarioContext, key: string, label: string, s: Summary, extra: ('p99')[] = []): void {
  ctx.record({ key: `${key}.median`, label: `${label}, median`, unit: 'ms', value: s.n ? s.median : null, better: 'lower', summary: s });
  ctx.record({ key: `${key}.p95`, label: `${label}, p95`, unit: 'ms', value: s.n ? s.p95 : null, better: 'lower' });
  if (extra.includes('p99')) ctx.record({ key: `${key}.p99`, label: `${label}, p99`, unit: 'ms', value: s.n ? s.p99 : null, better: 'lower' });
}
