import { createSession, ok, type Client } from '../lib/client';
import { round, summarize } from '../lib/stats';
import { mapLimit, now } from '../lib/time';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

const SEED_CONCURRENCY = 16;
/** Listed on the way up too, so a seeding deadline still leaves one size both servers reached. */
const CHECKPOINT = 1000;

async function list(client: Client, id: string, limit?: number): Promise<unknown[]> {
  return ok(client.session.messages({ path: { id }, query: limit ? { limit } : undefined }), 'GET /session/{id}/message');
}

async function measureList(ctx: ScenarioContext, id: string, size: number): Promise<void> {
  const reps = Math.max(1, Math.min(ctx.opts.reps, 5));
  const full: number[] = [];
  let count = 0;
  for (let r = 0; r < reps && !ctx.signal.aborted; r++) {
    const start = now();
    count = (await list(ctx.client, id)).length;
    full.push(now() - start);
  }
  if (count !== size) ctx.note(`list at ${size}: the full list returned ${count} messages`);
  const label = size.toLocaleString('en');
  recordLatency(ctx, `list.full.${size}`, `List all ${label} messages`, summarize(full));
  const page: number[] = [];
  for (let r = 0; r < ctx.opts.reps && !ctx.signal.aborted; r++) {
    const start = now();
    await list(ctx.client, id, 100);
    page.push(now() - start);
  }
  recordLatency(ctx, `list.limit100.${size}`, `List limit=100 of ${label} messages`, summarize(page));
}

export const listScenario: Scenario = {
  name: 'list',
  description: 'GET /session/{id}/message on a session seeded with N user messages (noReply prompts, same API on both)',
  timeoutMs: (o) => o.seedTimeoutS * 1000 + Math.max(o.timeoutS * 1000, 300_000),
  async run(ctx) {
    const id = await createSession(ctx.client, 'bench list');
    const n = ctx.opts.messages;
    // Seeding stops at its own deadline so the listing still runs on what got in.
    const seedDeadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.opts.seedTimeoutS * 1000)]);
    let seeded = 0;
    let failed = 0;
    const t0 = now();
    let seedMs = 0;
    const seedTo = async (size: number) => {
      const started = now();
      await mapLimit(
        Array.from({ length: size - seeded - failed }, (_, i) => seeded + failed + i),
        SEED_CONCURRENCY,
        async (i) => {
          try {
            await ok(ctx.client.session.prompt({ path: { id }, body: { noReply: true, parts: [{ type: 'text', text: `seed message ${i}` }] } }), 'POST /session/{id}/message (noReply)');
            seeded++;
          } catch (err) {
            if (++failed === 1) ctx.note(`seeding: ${err instanceof Error ? err.message : String(err)}`);
          }
          if (i % 1000 === 999) ctx.log(`  seeded ${seeded} (${round((now() - t0) / 1000, 0)} s)`);
        },
        seedDeadline,
      );
      seedMs += now() - started;
    };
    const sizes = n > CHECKPOINT ? [CHECKPOINT, n] : [n];
    for (const size of sizes) {
      const elapsedS = seedMs / 1000;
      const rate = seeded / Math.max(elapsedS, 0.001);
      const needS = (size - seeded) / Math.max(rate, 0.001);
      if (seeded > 0 && elapsedS + needS > ctx.opts.seedTimeoutS) {
        ctx.note(`not seeding to ${size}: at ${round(rate, 1)} msg/s that takes about ${round(needS, 0)} s more, past the ${ctx.opts.seedTimeoutS} s seeding limit`);
        break;
      }
      await seedTo(size);
      if (seeded === size) await measureList(ctx, id, size);
      else {
        ctx.note(`seeded ${seeded} of ${size} messages (${failed} failed) within the ${ctx.opts.seedTimeoutS} s seeding limit; listing what is there`);
        await measureList(ctx, id, seeded);
        break;
      }
    }
    ctx.record({ key: 'list.seed', label: `noReply prompts/s while seeding (${SEED_CONCURRENCY} in flight)`, unit: 'msg/s', value: round(seeded / (seedMs / 1000), 1), better: 'higher' });
  },
};
