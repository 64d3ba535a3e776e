import { createSession, ok, type Client } from '../lib/client';
import { round, summarize } from '../lib/stats';
import { mapLimit, now } from '../lib/time';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

const SEED_CONCURRENCY = 16;
/** Listed on the way up too, so a seeding deadline still leaves one size both servers reached. */
const CHECKPOINT = 1000;

const seedText = (i: number) => `seed message ${i}`;

async function list(client: Client, id: string, limit?: number): Promise<unknown[]> {
  return ok(client.session.messages({ path: { id }, query: limit ? { limit } : undefined }), 'GET /session/{id}/message');
}

async function measureList(ctx: ScenarioContext, client: Client, id: string, size: number): Promise<void> {
  // One untimed listing first: it checks the count, and warms the server's caches, which matters after a restart.
  const count = (await list(client, id)).length;
  if (count !== size) ctx.note(`list at ${size}: the full list returned ${count} messages`);
  const reps = Math.max(1, Math.min(ctx.opts.reps, 5));
  const full: number[] = [];
  for (let r = 0; r < reps && !ctx.signal.aborted; r++) {
    const start = now();
    await list(client, id);
    full.push(now() - start);
  }
  const label = size.toLocaleString('en');
  recordLatency(ctx, `list.full.${size}`, `List all ${label} messages`, summarize(full));
  const page: number[] = [];
  for (let r = 0; r < ctx.opts.reps && !ctx.signal.aborted; r++) {
    const start = now();
    await list(client, id, 100);
    page.push(now() - start);
  }
  recordLatency(ctx, `list.limit100.${size}`, `List limit=100 of ${label} messages`, summarize(page));
}

export const listScenario: Scenario = {
  name: 'list',
  description: 'GET /session/{id}/message on a session seeded with N user messages (noReply prompts; OpenCode past what its API can seed in time: written into its SQLite file)',
  timeoutMs: (o) => o.seedTimeoutS * 1000 + Math.max(o.timeoutS * 1000, 300_000),
  async run(ctx) {
    const id = await createSession(ctx.client, 'bench list');
    const n = ctx.opts.messages;
    // Seeding stops at its own deadline so the listing still runs on what got in.
    // A timer held here, not AbortSignal.timeout(): on node 20 that one, only referenced from AbortSignal.any(),
    // was seen not to fire (seeding ran on well past the limit).
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), ctx.opts.seedTimeoutS * 1000).unref();
    ctx.signal.addEventListener('abort', () => deadline.abort(), { once: true });
    const seedDeadline = deadline.signal;
    let seeded = 0;
    /** Messages written by `bulkSeed` rather than through the API. */
    let direct = 0;
    let failed = 0;
    const t0 = now();
    let seedMs = 0;
    let client = ctx.client;
    const seedTo = async (size: number) => {
      const started = now();
      await mapLimit(
        Array.from({ length: size - seeded - failed }, (_, i) => seeded + failed + i),
        SEED_CONCURRENCY,
        async (i) => {
          try {
            await ok(client.session.prompt({ path: { id }, body: { noReply: true, parts: [{ type: 'text', text: seedText(i) }] } }), 'POST /session/{id}/message (noReply)');
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
    // Where the API cannot seed in time and the target can write its store directly, the rest goes that way.
    const bulkTo = async (size: number, why: string) => {
      ctx.note(`${why}; the rest was seeded directly: ${await ctx.target.bulkSeed!(id, size, seedText)}`);
      client = await ctx.clientWithTimeout(120_000); // the server came back on another port
      direct += size - seeded;
      seeded = size;
    };
    const sizes = n > CHECKPOINT ? [CHECKPOINT, n] : [n];
    for (const size of sizes) {
      const elapsedS = seedMs / 1000;
      const rate = (seeded - direct) / Math.max(elapsedS, 0.001);
      const needS = (size - seeded) / Math.max(rate, 0.001);
      if (seeded > 0 && elapsedS + needS > ctx.opts.seedTimeoutS) {
        const slow = `at ${round(rate, 1)} msg/s the API would take about ${round(needS, 0)} s more to reach ${size}, past the ${ctx.opts.seedTimeoutS} s seeding limit`;
        if (!ctx.target.bulkSeed) {
          ctx.note(`not seeding to ${size}: ${slow}`);
          break;
        }
        await bulkTo(size, slow);
      } else {
        await seedTo(size);
        if (seeded < size && !failed && ctx.target.bulkSeed && !ctx.signal.aborted) {
          await bulkTo(size, `the API seeded ${seeded} of ${size} within the ${ctx.opts.seedTimeoutS} s seeding limit`);
        }
      }
      if (seeded === size) await measureList(ctx, client, id, size);
      else {
        ctx.note(`seeded ${seeded} of ${size} messages (${failed} failed) within the ${ctx.opts.seedTimeoutS} s seeding limit; listing what is there`);
        await measureList(ctx, client, id, seeded);
        break;
      }
    }
    clearTimeout(timer);
    ctx.record({ key: 'list.seed', label: `noReply prompts/s while seeding (${SEED_CONCURRENCY} in flight)`, unit: 'msg/s', value: round((seeded - direct) / (seedMs / 1000), 1), better: 'higher' });
  },
};
