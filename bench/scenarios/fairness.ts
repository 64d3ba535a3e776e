import { fork } from 'node:child_process';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parsePrometheus, sumOf } from '../../test/utils/prom-text';
import { makeClient, ok, textPrompt } from '../lib/client';
import { EventWatch, watchTurn } from '../lib/events';
import type { FloodResult, FloodStart } from '../lib/flood-load';
import { createSchool, newSession, type School } from '../lib/schools';
import { round, summarize } from '../lib/stats';
import { now, sleep } from '../lib/time';
import { streamMark } from '../llm';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

// Fairness between schools (issue 20 item 4): two small schools' students prompt in a closed loop (prompt, read
// the streamed answer, think, prompt again); the first delta of each prompt is timed at the school's SSE client.
// Phase 1 they run alone; phase 2 a third school with `fairFactor` times as many students runs the same loop
// beside them. Issue 20's line: the small schools' p99 first delta rises by at most 10 % over their solo run.
// Ours only: OpenCode has no schools.

const TURN_MS = 120_000;

interface Student {
  school: School;
  sessionId: string;
}

/** A small-school student: prompt_async, first delta and idle on the school's stream; returns first-delta times. */
async function measuredLoop(ctx: ScenarioContext, watch: EventWatch, s: Student, until: () => boolean, text: string, turns = Infinity) {
  const client = await makeClient({ ...ctx.target, headers: s.school.headers }, ctx.signal, 60_000);
  const samples: number[] = [];
  while (samples.length < turns && !until() && !ctx.signal.aborted) {
    const turn = watchTurn(watch, s.sessionId, TURN_MS);
    const t0 = now();
    await ok(client.session.promptAsync({ path: { id: s.sessionId }, body: textPrompt(text) }), 'prompt_async');
    const first = await turn.firstDelta;
    samples.push(first.at - t0);
    await turn.done;
    await sleep(ctx.opts.fairThinkMs, ctx.signal);
  }
  return samples;
}

/**
 * The flooding school's students in a child process (bench/lib/flood-load.ts), forked and loaded ahead: `go()` starts
 * them at once when the solo phase ends (a child loading under load took seconds, long enough for the small schools
 * to fall out of the server's busy window before the flood arrived).
 */
async function startFlood(ctx: ScenarioContext, school: School, flood: Student[], text: string) {
  const child = fork(path.join(__dirname, '..', 'lib', 'flood-load.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const onAbort = () => child.kill('SIGKILL');
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  const exited = new Promise<never>((_, reject) => child.on('exit', (code) => reject(new Error(`flood-load exited with ${code}`))));
  exited.catch(() => undefined);
  const reply = (type: string) =>
    Promise.race([exited, new Promise<Record<string, unknown>>((resolve) => child.on('message', (m: { type: string }) => m.type === type && resolve(m)))]);
  const start: FloodStart = {
    type: 'start',
    baseUrl: ctx.target.baseUrl,
    headers: school.headers,
    sessionIds: flood.map((s) => s.sessionId),
    body: textPrompt(text),
    thinkMs: ctx.opts.fairThinkMs,
    turnMs: TURN_MS * 3,
  };
  child.send(start);
  await reply('ready');
  return {
    /** Ends the child however the scenario ends (a no-op once it exited). */
    kill: () => child.kill('SIGKILL'),
    /** Starts the flood; resolves once its students prompt. */
    async go(): Promise<void> {
      child.send({ type: 'go' });
      await reply('started');
    },
    async stop(): Promise<FloodResult> {
      child.send({ type: 'stop' });
      try {
        return (await reply('result')) as unknown as FloodResult;
      } finally {
        ctx.signal.removeEventListener('abort', onAbort);
      }
    },
  };
}

/** One untimed prompt on each session, ten at a time. */
async function warmUp(ctx: ScenarioContext, school: School, list: Student[], text: string) {
  const queue = [...list];
  const one = async () => {
    for (let s = queue.shift(); s; s = queue.shift()) {
      const res = await fetch(`${ctx.target.baseUrl}/session/${s.sessionId}/message`, {
        method: 'POST',
        headers: { ...school.headers, 'content-type': 'application/json' },
        body: JSON.stringify(textPrompt(text)),
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TURN_MS)]),
      });
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: 10 }, one));
}

async function students(ctx: ScenarioContext, school: School, n: number, label: string): Promise<Student[]> {
  const out: Student[] = [];
  for (let i = 0; i < n; i++) out.push({ school, sessionId: await newSession(ctx.target.baseUrl, school.headers, `${label} ${i}`) });
  return out;
}

async function scrape(ctx: ScenarioContext, tenant: string) {
  const res = await fetch(`${ctx.target.baseUrl}/metrics`, { headers: ctx.target.headers, signal: AbortSignal.timeout(10_000) });
  const samples = parsePrometheus(await res.text());
  return {
    loops: sumOf(samples, 'oc_session_loops_running', { tenant }),
    loopsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'loop', tenant }),
    calls: sumOf(samples, 'oc_llm_calls_active', { tenant }),
    callsWaiting: sumOf(samples, 'oc_fairness_waiting', { kind: 'llm', tenant }),
    poolWaiting: sumOf(samples, 'oc_db_pool_connections', { state: 'waiting' }),
    loopLagP99: round(sumOf(samples, 'nodejs_eventloop_lag_p99_seconds', {}) * 1000),
  };
}

export const fairnessScenario: Scenario = {
  name: 'fairness',
  description: 'Two small schools prompting in a closed loop, alone and then beside a school with 100× their students: their p99 first delta',
  timeoutMs: (o) => (o.fairSeconds * 2 + 300) * 1000 + o.fairStudents * o.fairFactor * 1500,
  async run(ctx) {
    if (ctx.target.name === 'opencode') {
      ctx.note('skipped: OpenCode has no schools (tenants) to be fair between');
      return;
    }
    const o = ctx.opts;
    const text = `Answer briefly. ${streamMark(o.fairTokens, round(1000 / o.streamRate, 1))}`;
    const [a, b, f] = [await createSchool(ctx.target, 'small-a'), await createSchool(ctx.target, 'small-b'), await createSchool(ctx.target, 'flood')];
    const small = [...(await students(ctx, a, o.fairStudents, 'a')), ...(await students(ctx, b, o.fairStudents, 'b'))];
    const flood = await students(ctx, f, o.fairStudents * o.fairFactor, 'flood');
    const watches = new Map<School, EventWatch>();
    for (const school of [a, b]) watches.set(school, await EventWatch.open(await makeClient({ ...ctx.target, headers: school.headers }, ctx.signal), ctx.signal));
    // This process runs the fake LLM and the small schools' client: its own lateness is part of every sample.
    const phase = async () => {
      const lag = monitorEventLoopDelay({ resolution: 10 });
      lag.enable();
      const end = now() + o.fairSeconds * 1000;
      const runs = await Promise.all(small.map((s) => measuredLoop(ctx, watches.get(s.school)!, s, () => now() >= end, text)));
      lag.disable();
      return { summary: summarize(runs.flat()), samples: runs.map((r) => `[${r.map((x) => round(x)).join(', ')}]`).join(' '), lagP99: lag.percentile(99) / 1e6 };
    };
    let floodLoad: Awaited<ReturnType<typeof startFlood>> | undefined;
    try {
      // Warm-up turn per student, untimed (first prompt of a session loads its context), the flood's too: its
      // sessions' first turns would otherwise fall into the measured phase, all the more when its share is small.
      await Promise.all(small.map((s) => measuredLoop(ctx, watches.get(s.school)!, s, () => false, text, 1)));
      await warmUp(ctx, f, flood, text);
      floodLoad = await startFlood(ctx, f, flood, text);
      const alone = await phase();
      const solo = alone.summary;
      ctx.log(`  solo: ${solo.n} prompts, first delta p50/p99 ${round(solo.median)}/${round(solo.p99)} ms`);
      const floodStart = now();
      await floodLoad.go();
      await sleep(10_000, ctx.signal);
      const half = sleep((o.fairSeconds * 1000) / 2, ctx.signal).then(() => scrape(ctx, f.id));
      const beside = await phase();
      const flooded = beside.summary;
      const gauges = await half;
      const floodRes = await floodLoad.stop();
      const floodRate = floodRes.answered / ((now() - floodStart) / 1000);
      recordLatency(ctx, 'fair.solo', 'Small schools alone: prompt → first delta', solo, ['p99']);
      recordLatency(ctx, 'fair.flooded', `Small schools beside a ${o.fairFactor}× school: prompt → first delta`, flooded, ['p99']);
      const rise = solo.n && flooded.n ? (100 * (flooded.p99 - solo.p99)) / solo.p99 : null;
      ctx.record({ key: 'fair.rise.p99', label: 'Rise of the small schools\' p99 first delta under the flood', unit: '%', value: rise === null ? null : round(rise, 0), better: 'lower' });
      ctx.record({ key: 'fair.flood.rate', label: `Flooding school: prompts answered per second (${flood.length} students)`, unit: 'prompts/s', value: round(floodRate, 2), better: 'higher' });
      ctx.note(
        `small schools: ${small.length} students, ${solo.n} prompts alone and ${flooded.n} beside the flood (${flood.length} students in a child process, ${floodRes.answered} prompts answered, ${floodRes.failed} failed); ` +
          `${o.fairTokens}-token replies at ${o.streamRate} tok/s, ${o.fairThinkMs} ms think time, ${o.fairSeconds} s per phase; ` +
          `flooding school at mid-phase: ${gauges.loops} loops running, ${gauges.loopsWaiting} waiting, ${gauges.calls} LLM calls, ${gauges.callsWaiting} waiting; ` +
          `server at mid-phase: ${gauges.poolWaiting} queries waiting for a pooled connection, event-loop lag p99 ${gauges.loopLagP99} ms`,
      );
      ctx.note(
        `fairness samples (ms, each student's in time order): alone ${alone.samples}; beside the flood ${beside.samples}; ` +
          `event-loop delay p99 of the bench process (fake LLM + small schools' client): alone ${round(alone.lagP99)} ms, beside ${round(beside.lagP99)} ms; of the flood's client ${round(floodRes.loopDelayP99)} ms`,
      );
    } finally {
      floodLoad?.kill();
      for (const w of watches.values()) w.close();
    }
  },
};
