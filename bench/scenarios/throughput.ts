import { createSession, ok, textPrompt, type Client } from '../lib/client';
import { EventWatch } from '../lib/events';
import { round, summarize } from '../lib/stats';
import { mapLimit, now } from '../lib/time';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

/** With 200 prompts queued on one process a prompt may wait minutes; that is a figure, not a failure. */
const PROMPT_LIMIT_MS = 480_000;

/** Every session prompts ⌈20/C⌉ times, so each level sends at least 20 prompts. */
const promptsAt = (concurrency: number) => concurrency * Math.max(1, Math.ceil(20 / concurrency));

async function level(ctx: ScenarioContext, concurrency: number, watch: EventWatch, client: Client): Promise<number> {
  const sessions = await mapLimit(Array.from({ length: concurrency }, (_, i) => i), 10, (i) => createSession(ctx.client, `bench load ${concurrency}/${i}`), ctx.signal);
  const rounds = promptsAt(concurrency) / concurrency;
  const latencies: number[] = [];
  const firstDelta: number[] = [];
  const current = new Map<string, { t0: number; seen: boolean }>();
  const off = watch.on((e) => {
    if (e.type !== 'message.part.delta') return;
    const turn = current.get(e.properties?.sessionID);
    if (turn && !turn.seen) {
      turn.seen = true;
      firstDelta.push(e.at - turn.t0);
    }
  });
  let failed = 0;
  const t0 = now();
  await Promise.all(
    sessions.map(async (id) => {
      for (let r = 0; r < rounds && !ctx.signal.aborted; r++) {
        const start = now();
        current.set(id, { t0: start, seen: false });
        try {
          await ok(client.session.prompt({ path: { id }, body: textPrompt('Say hello.') }), 'POST /session/{id}/message');
          latencies.push(now() - start);
        } catch (err) {
          failed++;
          if (failed === 1) ctx.note(`c=${concurrency}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }),
  );
  const wallMs = now() - t0;
  off();
  const tag = `tp${concurrency}`;
  ctx.record({ key: `${tag}.rps`, label: `Throughput, ${concurrency} concurrent sessions`, unit: 'prompts/s', value: round(latencies.length / (wallMs / 1000), 2), better: 'higher' });
  recordLatency(ctx, `${tag}.latency`, `Prompt e2e at ${concurrency} concurrent`, summarize(latencies), ['p99']);
  const d = summarize(firstDelta);
  ctx.record({ key: `${tag}.delta.p99`, label: `First delta at ${concurrency} concurrent, p99`, unit: 'ms', value: d.n ? d.p99 : null, better: 'lower', summary: d });
  if (failed) ctx.note(`c=${concurrency}: ${failed} of ${concurrency * rounds} prompts failed`);
  ctx.log(`  c=${concurrency}: ${latencies.length} prompts in ${round(wallMs / 1000, 1)} s`);
  return wallMs;
}

export const throughputScenario: Scenario = {
  name: 'throughput',
  description: 'Prompts/s and latency with N sessions prompting at once (zero-latency LLM)',
  timeoutMs: (o) => Math.max(o.timeoutS * 1000, o.levels.length * 240_000),
  async run(ctx) {
    const watch = await EventWatch.open(ctx.client, ctx.signal);
    const client = await ctx.clientWithTimeout(PROMPT_LIMIT_MS);
    try {
      const levels = ctx.opts.levels;
      for (const [i, c] of levels.entries()) {
        if (ctx.signal.aborted) break;
        const wall = await level(ctx, c, watch, client);
        // A server that does not scale takes proportionally longer at the next level; skip it only when its
        // prompts would then wait past their own limit (a figure made of timeouts measures nothing).
        const next = levels[i + 1];
        const projected = next ? (wall * promptsAt(next)) / promptsAt(c) : 0;
        if (projected > PROMPT_LIMIT_MS) {
          ctx.note(`stopped after c=${c}: it took ${round(wall / 1000, 0)} s, so c=${next} would take about ${round(projected / 1000, 0)} s, past the ${PROMPT_LIMIT_MS / 1000} s prompt limit`);
          break;
        }
      }
    } finally {
      watch.close();
    }
  },
};
