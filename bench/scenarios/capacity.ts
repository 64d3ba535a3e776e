import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parsePrometheus, sumOf } from '../../test/utils/prom-text';
import { cpuMs } from '../lib/proc';
import { createSchool, newSession } from '../lib/schools';
import { round, summarize, type Summary } from '../lib/stats';
import type { FromChild, LoadResult, LoadStream, ToChild } from '../lib/stream-load';
import { mapLimit, sleep } from '../lib/time';
import { streamMark } from '../llm';
import { tempDir } from '../servers/target';
import type { BenchOptions, Scenario, ScenarioContext } from './scenario';

// Streaming capacity (issue 20 item 5): N sessions stream a long reply at a fixed token rate at once, each to its
// own SSE subscriber; the level passes while the p99 gap between deltas at the client stays under the line.
// Ours: the sessions belong to schools of 100 (the per-school LLM cap is 100), each stream is `/event?sessionID=`
// with the school admin's key. OpenCode has no session filter on /event: each session gets its own directory
// (its own instance), and its subscriber `/event?directory=` sees only that session.

const PER_SCHOOL = 100;

// Replies are longer than a level can last (ramp allowance + the steady window + margin); the client aborts them.
const rampSeconds = (n: number) => 60 + n * 1;
const replyTokens = (o: BenchOptions, n: number) => Math.ceil(o.streamRate * (rampSeconds(n) + o.streamSeconds + 60));
const delayMs = (o: BenchOptions) => round(1000 / o.streamRate, 1);

interface Pool {
  streams: LoadStream[];
  /** School index → its admin's headers (ours: 100 sessions per school). */
  schools: Map<number, Promise<Record<string, string>>>;
}

async function grow(ctx: ScenarioContext, pool: Pool, n: number, dirs: string): Promise<void> {
  const { target } = ctx;
  const missing = Array.from({ length: Math.max(0, n - pool.streams.length) }, (_, i) => pool.streams.length + i);
  if (ctx.opts.streamDirect) {
    const url = `${ctx.llm.openaiBaseUrl}/chat/completions`;
    for (const i of missing) pool.streams.push({ ...stream('', {}, `direct${i}`, '', ''), eventUrl: url, direct: true });
    return;
  }
  const school = (k: number) => {
    let headers = pool.schools.get(k);
    if (!headers) pool.schools.set(k, (headers = createSchool(target, `cap${k}`).then((s) => s.headers)));
    return headers;
  };
  const made = await mapLimit(
    missing,
    target.name === 'opencode' ? 8 : 16,
    async (i) => {
      if (target.name === 'opencode') {
        const dir = path.join(dirs, `s${i}`);
        fs.mkdirSync(dir, { recursive: true });
        const q = `directory=${encodeURIComponent(dir)}`;
        const id = await newSession(target.baseUrl, target.headers, `capacity ${i}`, q);
        return stream(target.baseUrl, target.headers, id, `/event?${q}`, q);
      }
      const headers = await school(Math.floor(i / PER_SCHOOL));
      // A project each, as students have: one project's snapshots run one at a time (its git index), so a hundred
      // sessions in one project would queue their step snapshots behind each other and measure that queue.
      const id = await newSession(target.baseUrl, headers, `capacity ${i}`, `directory=cap${i}`);
      return stream(target.baseUrl, headers, id, `/event?sessionID=${id}`, '');
    },
    ctx.signal,
  );
  pool.streams.push(...made);
}

function stream(baseUrl: string, headers: Record<string, string>, id: string, events: string, query: string): LoadStream {
  return {
    sessionId: id,
    eventUrl: `${baseUrl}${events}`,
    promptUrl: `${baseUrl}/session/${id}/prompt_async${query ? `?${query}` : ''}`,
    abortUrl: `${baseUrl}/session/${id}/abort${query ? `?${query}` : ''}`,
    headers,
    body: {},
  };
}

/**
 * What held a level whose streams did not all start in its time: the server's loops, LLM calls and intakes running
 * and waiting, queries waiting for a pooled connection, its event-loop lag (read as the time limit passes).
 */
async function stuckGauges(ctx: ScenarioContext): Promise<string> {
  try {
    const res = await fetch(`${ctx.target.baseUrl}/metrics`, { headers: ctx.target.headers, signal: AbortSignal.timeout(15_000) });
    const m = parsePrometheus(await res.text());
    const sum = (name: string, labels: Record<string, string> = {}) => sumOf(m, name, labels);
    return (
      `at the time limit: ${sum('oc_session_loops_running')} loops running, ${sum('oc_fairness_waiting', { kind: 'loop' })} waiting; ` +
      `${sum('oc_llm_calls_active')} LLM calls, ${sum('oc_fairness_waiting', { kind: 'llm' })} waiting; ${sum('oc_fairness_waiting', { kind: 'intake' })} intakes waiting; ` +
      `${sum('oc_db_pool_connections', { state: 'waiting' })} queries waiting for a pooled connection; event-loop lag max ${round(sum('nodejs_eventloop_lag_max_seconds') * 1000)} ms`
    );
  } catch (err) {
    return `at the time limit: /metrics not read (${(err as Error).message})`;
  }
}

/** Merged over the load children. */
interface LevelResult {
  window: { from: number; to: number };
  gaps: Summary;
  gapsAll: Summary;
  firstDelta: Summary;
  deltasInWindow: number;
  tokensInWindow: number;
  deltasTotal: number;
  streamsDone: number;
  streamsFailed: number;
  errors: string[];
  clientLoopDelayP99: number;
}

function merge(parts: LoadResult[], window: { from: number; to: number }, n: number): LevelResult {
  const sum = (f: (r: LoadResult) => number) => parts.reduce((t, r) => t + f(r), 0);
  const started = sum((r) => r.started);
  const errors = parts.flatMap((r) => r.errors);
  if (!window.to) errors.unshift(`only ${started} of ${n} streams started before the time limit`);
  return {
    window,
    gaps: summarize(parts.flatMap((r) => r.gaps)),
    gapsAll: summarize(parts.flatMap((r) => r.gapsAll)),
    firstDelta: summarize(parts.flatMap((r) => r.firstDelta)),
    deltasInWindow: sum((r) => r.deltasInWindow),
    tokensInWindow: sum((r) => r.tokensInWindow),
    deltasTotal: sum((r) => r.deltasTotal),
    streamsDone: sum((r) => r.streamsDone),
    streamsFailed: sum((r) => r.streamsFailed),
    errors: [...new Set(errors)].slice(0, 10),
    clientLoopDelayP99: Math.max(...parts.map((r) => r.clientLoopDelayP99)),
  };
}

/**
 * Runs one level in `--stream-clients` child processes (default one per 250 streams), a share of the streams each;
 * samples the server's CPU meanwhile. The steady window opens when the last stream of all has its first delta.
 */
async function level(ctx: ScenarioContext, streams: LoadStream[], n: number) {
  const o = ctx.opts;
  const text = `Stream a long answer. ${streamMark(replyTokens(o, n), delayMs(o))}`;
  const body = o.streamDirect
    ? { model: 'fake-model', stream: true, messages: [{ role: 'user', content: text }] }
    : { parts: [{ type: 'text', text }] };
  const k = Math.max(1, Math.min(n, o.streamClients || Math.ceil(n / 250)));
  const timeoutMs = (rampSeconds(n) + o.streamSeconds + 30) * 1000;
  const children = Array.from({ length: k }, () =>
    fork(path.join(__dirname, '..', 'lib', 'stream-load.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const samples: { at: number; cpu: number }[] = [];
  const sampler = setInterval(() => {
    const cpu = cpuMs(ctx.target.pid);
    if (cpu !== undefined) samples.push({ at: performance.timeOrigin + performance.now(), cpu });
  }, 250);
  // The fake LLM runs in this process: its own lateness is the floor of every gap the client can see.
  const fakeLag = monitorEventLoopDelay({ resolution: 10 });
  const timers: NodeJS.Timeout[] = [];
  let stuck: Promise<string> | undefined;
  const onAbort = () => children.forEach((c) => c.kill('SIGKILL'));
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const window = { from: 0, to: 0 };
    const parts = await new Promise<LoadResult[]>((resolve, reject) => {
      const results: LoadResult[] = [];
      let ready = 0;
      let started = 0;
      const end = () => {
        timers.forEach(clearTimeout);
        for (const c of children) c.send({ type: 'end', ...window } satisfies ToChild);
      };
      children.forEach((child, i) => {
        child.on('message', (m: FromChild) => {
          if (m.type === 'ready' && ++ready === k) {
            fakeLag.enable();
            for (const c of children) c.send({ type: 'go' } satisfies ToChild);
            timers.push(setTimeout(() => ((stuck = stuckGauges(ctx)), end()), timeoutMs));
          } else if (m.type === 'started') {
            window.from = Math.max(window.from, m.at);
            if (++started === k) timers.push(setTimeout(() => ((window.to = epoch()), end()), o.streamSeconds * 1000));
          } else if (m.type === 'result') {
            results.push(m);
            if (results.length === k) resolve(results);
          } else if (m.type === 'error') reject(new Error(`stream-load: ${m.message}`));
        });
        // A result may still be on its way when the exit is seen (a million gaps take a while to read).
        child.on('exit', (code) =>
          setTimeout(() => results.length < k && reject(new Error(`stream-load exited with ${code}`)), 10_000),
        );
        const share = streams.slice(0, n).filter((_, j) => j % k === i);
        const ramp = Math.max(1, Math.round(16 / k));
        child.send({
          type: 'start',
          streams: share.map((s) => ({ ...s, body })),
          rampConcurrency: ramp,
        } satisfies ToChild);
      });
    });
    const res = merge(parts, window, n);
    if (!window.to && stuck) res.errors.unshift(await stuck);
    return {
      res,
      cpu: cpuBetween(samples, window.from, window.to),
      fakeLagP99: fakeLag.percentile(99) / 1e6,
      clients: k,
    };
  } finally {
    timers.forEach(clearTimeout);
    fakeLag.disable();
    clearInterval(sampler);
    ctx.signal.removeEventListener('abort', onAbort);
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

const epoch = () => performance.timeOrigin + performance.now();

/** Server CPU ms between two epoch times, interpolated between the samples around them. */
function cpuBetween(samples: { at: number; cpu: number }[], from: number, to: number): number | undefined {
  const at = (t: number) => {
    const i = samples.findIndex((s) => s.at >= t);
    if (i <= 0) return undefined;
    const a = samples[i - 1];
    const b = samples[i];
    return a.cpu + ((b.cpu - a.cpu) * (t - a.at)) / Math.max(1, b.at - a.at);
  };
  const a = at(from);
  const b = at(to);
  return a === undefined || b === undefined ? undefined : b - a;
}

export const capacityScenario: Scenario = {
  name: 'stream-capacity',
  description: 'N sessions streaming a long reply at a fixed token rate, each to its own SSE subscriber: p99 gap between deltas, CPU per delta',
  timeoutMs: (o) =>
    o.streamLevels.reduce((ms, n) => ms + (rampSeconds(n) + o.streamSeconds + 120) * 1000 + n * 400, 60_000),
  async run(ctx) {
    const o = ctx.opts;
    const pool: Pool = { streams: [], schools: new Map() };
    const dirs = tempDir('bench-capacity.');
    let best = 0;
    try {
      for (const n of o.streamLevels) {
        if (ctx.signal.aborted) break;
        await grow(ctx, pool, n, dirs);
        ctx.log(`  ${n} streams: ${replyTokens(o, n)} tokens each at ${o.streamRate} tok/s`);
        const { res, cpu, fakeLagP99, clients } = await level(ctx, pool.streams, n);
        const windowS = (res.window.to - res.window.from) / 1000;
        const steady = res.window.to > 0 && res.streamsFailed === 0;
        const p99 = res.gaps.n ? res.gaps.p99 : null;
        const pass = steady && p99 !== null && p99 < o.streamGapMs;
        // --stream-direct: the load generator against itself (the fake LLM's streams read with no server between).
        const key = o.streamDirect ? `capacity.direct.${n}` : `capacity.${n}`;
        ctx.record({ key: `${key}.gap.p99`, label: `${n} streams: gap between deltas at the client, p99`, unit: 'ms', value: p99 === null ? null : round(p99), better: 'lower', summary: res.gaps });
        ctx.record({ key: `${key}.gap.median`, label: `${n} streams: gap between deltas at the client, median`, unit: 'ms', value: res.gaps.n ? round(res.gaps.median) : null, better: 'lower' });
        const perDelta = cpu !== undefined && res.deltasInWindow ? (cpu * 1000) / res.deltasInWindow : null;
        ctx.record({ key: `${key}.cpu_per_delta`, label: `${n} streams: server CPU per delta delivered`, unit: 'µs', value: perDelta === null ? null : round(perDelta, 0), better: 'lower' });
        const perToken = cpu !== undefined && res.tokensInWindow ? (cpu * 1000) / res.tokensInWindow : null;
        ctx.record({ key: `${key}.cpu_per_token`, label: `${n} streams: server CPU per token delivered`, unit: 'µs', value: perToken === null ? null : round(perToken, 0), better: 'lower' });
        const share = cpu !== undefined && windowS > 0 ? (100 * cpu) / (windowS * 1000) : null;
        ctx.record({ key: `${key}.cpu`, label: `${n} streams: server CPU in the steady window`, unit: '% of a core', value: share === null ? null : round(share, 0), better: 'lower' });
        ctx.note(
          `${n} streams${o.streamDirect ? ' read from the fake LLM directly (no server)' : ''}: ${pass ? 'PASS' : 'FAIL'}; ${clients} client processes; steady window ${round(windowS)} s${res.window.to ? ` (${new Date(res.window.from).toISOString()} → ${new Date(res.window.to).toISOString()})` : ''}, ${res.deltasInWindow} deltas / ${res.tokensInWindow} tokens in it (of ${res.deltasTotal}), ` +
            `gaps p50/p95/p99/max ${round(res.gaps.median)}/${round(res.gaps.p95)}/${round(res.gaps.p99)}/${round(res.gaps.max)} ms, all gaps p99 ${round(res.gapsAll.p99)} ms, ` +
            `first delta p50/p99 ${round(res.firstDelta.median)}/${round(res.firstDelta.p99)} ms, streams idle within 60 s of the aborts ${res.streamsDone}/${n}, failed ${res.streamsFailed}, ` +
            `event-loop delay p99: fake LLM ${round(fakeLagP99)} ms, client ${round(res.clientLoopDelayP99)} ms${res.errors.length ? `; errors: ${res.errors.join(' | ')}` : ''}`,
        );
        if (pass) best = n;
        else break;
        await sleep(2000, ctx.signal);
      }
      ctx.record({ key: o.streamDirect ? 'capacity.direct.max' : 'capacity.max', label: `Largest N streaming with p99 gap < ${o.streamGapMs} ms (of ${o.streamLevels.join(', ')})`, unit: 'streams', value: best, better: 'higher' });
    } finally {
      fs.rmSync(dirs, { recursive: true, force: true });
    }
  },
};
