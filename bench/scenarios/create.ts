import { createSession } from '../lib/client';
import { summarize } from '../lib/stats';
import { now } from '../lib/time';
import { recordLatency, type Scenario } from './scenario';

export const createScenario: Scenario = {
  name: 'create',
  description: 'POST /session latency (sequential, titled sessions)',
  timeoutMs: (o) => o.timeoutS * 1000,
  async run(ctx) {
    for (let i = 0; i < 3; i++) await createSession(ctx.client, `bench warm-up ${i}`);
    const samples: number[] = [];
    for (let i = 0; i < ctx.opts.reps && !ctx.signal.aborted; i++) {
      const t0 = now();
      await createSession(ctx.client, `bench create ${i}`);
      samples.push(now() - t0);
    }
    recordLatency(ctx, 'create', 'Session create (POST /session)', summarize(samples));
  },
};
