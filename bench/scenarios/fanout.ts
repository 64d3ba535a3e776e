import { ok } from '../lib/client';
import { EventWatch } from '../lib/events';
import { round, summarize } from '../lib/stats';
import { mapLimit, now } from '../lib/time';
import { recordLatency, type Scenario } from './scenario';

export const fanoutScenario: Scenario = {
  name: 'fanout',
  description: 'One session.created event to N /event subscribers: time until every one has it',
  timeoutMs: (o) => Math.max(o.timeoutS * 1000, 240_000),
  async run(ctx) {
    const n = ctx.opts.subscribers;
    const t0 = now();
    const watches = await mapLimit(Array.from({ length: n }, (_, i) => i), 50, () => EventWatch.open(ctx.client, ctx.signal, 60_000), ctx.signal);
    const connectMs = now() - t0;
    try {
      ctx.record({ key: 'fanout.connect', label: `Open ${n} SSE subscriptions (50 at a time)`, unit: 'ms', value: round(connectMs, 0), better: 'lower' });
      const all: number[] = [];
      const each: number[] = [];
      const reps = Math.max(1, Math.min(ctx.opts.reps, 5));
      for (let r = 0; r < reps && !ctx.signal.aborted; r++) {
        const title = `bench fanout ${r} ${Math.random().toString(36).slice(2)}`;
        const arrivals = watches.map((w) => w.waitFor((e) => e.type === 'session.created' && e.properties?.info?.title === title, 60_000, 'session.created'));
        const start = now();
        await ok(ctx.client.session.create({ body: { title } }), 'POST /session');
        const got = await Promise.allSettled(arrivals);
        const times = got.flatMap((g) => (g.status === 'fulfilled' ? [g.value.at - start] : []));
        if (times.length < n) ctx.note(`rep ${r}: only ${times.length} of ${n} subscribers got the event within 60 s`);
        each.push(...times);
        if (times.length) all.push(Math.max(...times));
      }
      recordLatency(ctx, 'fanout.all', `Event reaches all ${n} subscribers (from POST /session)`, summarize(all));
      const e = summarize(each);
      ctx.record({ key: 'fanout.each.median', label: `Event reaches a subscriber, median of ${n}×${reps}`, unit: 'ms', value: e.n ? e.median : null, better: 'lower', summary: e });
    } finally {
      for (const w of watches) w?.close();
    }
  },
};
