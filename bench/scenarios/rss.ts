import { createSession } from '../lib/client';
import { rssKiB, treePssKiB, treeRssKiB } from '../lib/proc';
import { round } from '../lib/stats';
import { mapLimit, sleep } from '../lib/time';
import type { Scenario } from './scenario';

export const mib = (kib: number | undefined) => (kib === undefined ? null : round(kib / 1024, 0));

export const rssScenario: Scenario = {
  name: 'rss',
  description: 'Resident memory (VmRSS of the server and its child processes) before and after creating N sessions',
  timeoutMs: (o) => Math.max(o.timeoutS * 1000, o.rssSessions * 200),
  async run(ctx) {
    const pid = ctx.target.pid;
    ctx.record({ key: 'rss.before', label: 'RSS after the other scenarios (server process)', unit: 'MiB', value: mib(rssKiB(pid)), better: 'lower' });
    ctx.record({ key: 'rss.before.tree', label: 'RSS after the other scenarios (with child processes)', unit: 'MiB', value: mib(treeRssKiB(pid)), better: 'lower' });
    const n = ctx.opts.rssSessions;
    await mapLimit(Array.from({ length: n }, (_, i) => i), 10, (i) => createSession(ctx.client, `bench rss ${i}`), ctx.signal);
    await sleep(2000, ctx.signal);
    ctx.record({ key: 'rss.after', label: `RSS after ${n.toLocaleString('en')} more sessions (server process)`, unit: 'MiB', value: mib(rssKiB(pid)), better: 'lower' });
    ctx.record({ key: 'rss.after.tree', label: `RSS after ${n.toLocaleString('en')} more sessions (with child processes)`, unit: 'MiB', value: mib(treeRssKiB(pid)), better: 'lower' });
    ctx.record({ key: 'pss.after.tree', label: `PSS after ${n.toLocaleString('en')} more sessions (with child processes)`, unit: 'MiB', value: mib(treePssKiB(pid)), better: 'lower' });
  },
};
