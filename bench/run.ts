// `npm run bench -- [--only create,prompt] [--reps 20] [--target both|ours|opencode] ...`
// Starts the fake LLM, then each server in turn (never both at once), drives the same SDK scenarios against
// it, stops it, and writes bench/results/latest.json plus a Markdown table.
import { setMaxListeners } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { makeClient } from './lib/client';
import { rssKiB, treePssKiB, treeRssKiB } from './lib/proc';
import { sleep, withTimeout } from './lib/time';
import { startBenchLlm } from './llm';
import { capacityScenario } from './scenarios/capacity';
import { fairnessScenario } from './scenarios/fairness';
import { buildRows, buildTables, markdown, type BenchResult, type TargetResult } from './report';
import { createScenario } from './scenarios/create';
import { fanoutScenario } from './scenarios/fanout';
import { freshScenario } from './scenarios/fresh';
import { listScenario } from './scenarios/list';
import { promptScenario, toolScenario } from './scenarios/prompt';
import { mib, rssScenario } from './scenarios/rss';
import type { BenchOptions, Metric, Scenario } from './scenarios/scenario';
import { firstDeltaScenario, tokensScenario } from './scenarios/stream';
import { throughputScenario } from './scenarios/throughput';
import { startOpencode } from './servers/opencode';
import { startOurs } from './servers/ours';
import type { Target, TargetName } from './servers/target';

// The list scenario runs last: it may restart OpenCode to seed its store, which would reset the RSS readings.
const SCENARIOS: Scenario[] = [createScenario, promptScenario, toolScenario, freshScenario, firstDeltaScenario, tokensScenario, throughputScenario, fanoutScenario, rssScenario, listScenario, capacityScenario, fairnessScenario];

const HELP = `npm run bench -- [options]
  --target both|ours|ours-pg|opencode
                                servers to measure, one after the other (a comma list picks several, e.g.
                                opencode,ours-pg). both (default): OpenCode, ours embedded
                                (the npm start default), and ours on Postgres + Redis when a database URL is given
  --database-url URL            Postgres for the ours-pg run (default: DATABASE_URL); migrated first
  --redis-url URL               Redis for the ours-pg run (default: REDIS_URL); each server leases a free
                                database index of it (test/utils/redis-lease.ts), whatever index the URL names
  --ours DIR                    measure another checkout's dist/ as ours (default this checkout)
  --base DIR                    also measure another checkout of this project (its dist/, e.g. an older commit in a
                                worktree) in the same modes, as targets base and base-pg, each against the same OpenCode
  --only a,b                    scenarios: ${SCENARIOS.map((s) => s.name).join(', ')} (default all; none: boot and idle RSS only)
  --reps N                      repetitions per latency scenario (default 20)
  --levels 1,10,50,200          throughput concurrency levels
  --subscribers N               SSE fan-out subscribers (default 1000)
  --messages N                  messages seeded for the list scenario (default 10000; listed at 1000 too)
  --seed-timeout S              seconds allowed for that seeding (default 600)
  --sessions N                  sessions created for the RSS scenario (default 1000)
  --tokens N --token-delay MS   long reply for the tokens scenario (default 300 tokens, 5 ms apart)
  --timeout S                   base per-scenario limit in seconds (default 120)
  --stream-levels 100,250,500,1000
                                stream-capacity: concurrent streaming sessions per level (ladder, stops at the
                                first level whose p99 gap between deltas is over the line)
  --stream-rate N               stream-capacity: tokens/s of each stream (default 30)
  --stream-seconds S            stream-capacity: steady seconds wanted with every stream running (default 20)
  --stream-gap-ms MS            stream-capacity: the p99 gap line (default 200)
  --stream-clients K            stream-capacity: SSE client processes, the streams shared between them (default one
                                per 250 streams)
  --fake-farm K                 helper processes of the fake LLM serving stream-capacity's long replies (default 2;
                                0: the fake's own process writes them all)
  --stream-direct               stream-capacity: the load generator against itself: the clients read the fake LLM's
                                streams directly, no server between (what the bench itself can carry)
  --fair-students N             fairness: students (closed-loop sessions) of each small school (default 2: over
                                100 samples per phase at the defaults)
  --fair-factor N               fairness: the flooding school has N times as many (default 100)
  --fair-seconds S              fairness: seconds per phase, solo and flooded, back to back (default 120)
  --fair-ramp S                 fairness: the flood's students start over S seconds (default 0: all at once, inside
                                the measured phase)
  --fair-think MS               fairness: a student's pause between prompts (default 2000)
  --fair-tokens N               fairness: tokens of each reply, streamed at --stream-rate (default 30)
  --ours-env K=V,K=V            extra environment for our server (e.g. LOOPS_PER_TENANT=8); stated in the notes
  --opencode-snapshot false     run OpenCode with "snapshot": false (default true, as observed)
  --no-build                    use dist/ as it is
  --keep                        keep the servers' temp dirs (logs, data)
  --out FILE                    results file (default bench/results/latest.json)
  --opencode-from FILE          take OpenCode's figures from an earlier results file instead of running it
                                (the table then says the two columns come from different runs)`;

function options() {
  const { values } = parseArgs({
    options: {
      target: { type: 'string', default: 'both' },
      'database-url': { type: 'string' },
      'redis-url': { type: 'string' },
      base: { type: 'string' },
      ours: { type: 'string' },
      only: { type: 'string' },
      reps: { type: 'string', default: '20' },
      levels: { type: 'string', default: '1,10,50,200' },
      subscribers: { type: 'string', default: '1000' },
      messages: { type: 'string', default: '10000' },
      'seed-timeout': { type: 'string', default: '600' },
      sessions: { type: 'string', default: '1000' },
      tokens: { type: 'string', default: '300' },
      'token-delay': { type: 'string', default: '5' },
      timeout: { type: 'string', default: '120' },
      'opencode-snapshot': { type: 'string', default: 'true' },
      'stream-levels': { type: 'string', default: '100,250,500,1000' },
      'stream-rate': { type: 'string', default: '30' },
      'stream-seconds': { type: 'string', default: '20' },
      'stream-gap-ms': { type: 'string', default: '200' },
      'stream-clients': { type: 'string', default: '0' },
      'stream-direct': { type: 'boolean', default: false },
      'fake-farm': { type: 'string', default: '2' },
      'fair-students': { type: 'string', default: '2' },
      'fair-factor': { type: 'string', default: '100' },
      'fair-seconds': { type: 'string', default: '120' },
      'fair-ramp': { type: 'string', default: '0' },
      'fair-think': { type: 'string', default: '2000' },
      'fair-tokens': { type: 'string', default: '30' },
      'ours-env': { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(__dirname, 'results', 'latest.json') },
      'opencode-from': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const int = (name: string, v: string, min: number) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
  const databaseUrl = values['database-url'] ?? process.env.DATABASE_URL;
  const redisUrl = values['redis-url'] ?? process.env.REDIS_URL;
  // With --base, each mode's older build runs just before the current one, so both meet about the same load.
  const base = values.base ? path.resolve(values.base) : undefined;
  const embedded: TargetName[] = base ? ['base', 'ours'] : ['ours'];
  const pg: TargetName[] = base ? ['base-pg', 'ours-pg'] : ['ours-pg'];
  const both: TargetName[] = ['opencode', ...embedded, ...(databaseUrl ? pg : [])];
  // A comma list picks several (`opencode,ours-pg`), always measured in this order, OpenCode first.
  const named = ['opencode', 'base', 'ours', 'base-pg', 'ours-pg'] as const;
  const picked = values.target!.split(',').map((t) => t.trim());
  const targets: TargetName[] = values.target === 'both' ? both : picked.every((p) => named.some((n) => n === p)) ? named.filter((n) => picked.includes(n)) : [];
  if (!targets.length) throw new Error(`--target must be both, or a comma list of ${named.join(', ')}; got "${values.target}"`);
  if (targets.some((t) => t.endsWith('-pg')) && !databaseUrl) throw new Error('--target ours-pg/base-pg need --database-url (or DATABASE_URL)');
  if (targets.some((t) => t.startsWith('base')) && !base) throw new Error('--target base/base-pg need --base DIR');
  // `--only none`: no scenario, only what every run measures (boot, and the RSS/PSS 3 s after it).
  const only = values.only === 'none' ? [] : values.only?.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = only?.filter((n) => !SCENARIOS.some((s) => s.name === n)) ?? [];
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const bench: BenchOptions = {
    reps: int('reps', values.reps!, 1),
    levels: values.levels!.split(',').map((l) => int('levels', l, 1)),
    subscribers: int('subscribers', values.subscribers!, 1),
    messages: int('messages', values.messages!, 1),
    seedTimeoutS: int('seed-timeout', values['seed-timeout']!, 1),
    rssSessions: int('sessions', values.sessions!, 1),
    longTokens: int('tokens', values.tokens!, 2),
    longDelayMs: int('token-delay', values['token-delay']!, 0),
    timeoutS: int('timeout', values.timeout!, 5),
    streamLevels: values['stream-levels']!.split(',').map((l) => int('stream-levels', l, 1)),
    streamRate: int('stream-rate', values['stream-rate']!, 1),
    streamSeconds: int('stream-seconds', values['stream-seconds']!, 1),
    streamGapMs: int('stream-gap-ms', values['stream-gap-ms']!, 1),
    streamClients: int('stream-clients', values['stream-clients']!, 0),
    streamDirect: values['stream-direct']!,
    fairStudents: int('fair-students', values['fair-students']!, 1),
    fairFactor: int('fair-factor', values['fair-factor']!, 1),
    fairSeconds: int('fair-seconds', values['fair-seconds']!, 1),
    fairRampS: int('fair-ramp', values['fair-ramp']!, 0),
    fairThinkMs: int('fair-think', values['fair-think']!, 0),
    fairTokens: int('fair-tokens', values['fair-tokens']!, 1),
  };
  const oursEnv = Object.fromEntries(
    (values['ours-env'] ?? '')
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const at = kv.indexOf('=');
        if (at < 1) throw new Error(`--ours-env wants K=V pairs, got "${kv}"`);
        return [kv.slice(0, at), kv.slice(at + 1)];
      }),
  );
  return {
    targets,
    scenarios: only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS,
    bench,
    snapshot: values['opencode-snapshot'] !== 'false',
    build: !values['no-build'],
    keep: values.keep!,
    out: path.resolve(values.out!),
    opencodeFrom: values['opencode-from'] ? path.resolve(values['opencode-from']) : undefined,
    postgres: databaseUrl ? { databaseUrl, redisUrl } : undefined,
    oursEnv,
    base,
    ours: values.ours ? path.resolve(values.ours) : undefined,
    fakeFarm: int('fake-farm', values['fake-farm']!, 0),
  };
}

const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

const running = new Set<Target>();

/**
 * The base build gets its own database (`<name>_base`: its migrations are older than the current build's); each
 * server leases a Redis database index of its own (bench/servers/ours.ts), so neither sees the other's jobs or events.
 */
function pgFor(name: TargetName, pg: { databaseUrl: string; redisUrl?: string }): { databaseUrl: string; redisUrl?: string } {
  if (name !== 'base-pg') return pg;
  const url = new URL(pg.databaseUrl);
  url.pathname = `${url.pathname}_base`;
  return { databaseUrl: url.toString(), redisUrl: pg.redisUrl };
}

async function measureTarget(name: TargetName, run: ReturnType<typeof options>, llm: Awaited<ReturnType<typeof startBenchLlm>>): Promise<TargetResult> {
  const result: TargetResult = { name, label: name === 'opencode' ? 'OpenCode' : name.endsWith('-pg') ? 'opencode-api (Postgres + Redis)' : 'opencode-api (embedded)', notes: [], scenarios: {}, metrics: [] };
  log(`starting ${name}`);
  let target: Target;
  try {
    target =
      name === 'opencode'
        ? await startOpencode({ llm, snapshot: run.snapshot, keep: run.keep, log })
        : await startOurs({
            llm,
            build: run.build,
            keep: run.keep,
            log,
            postgres: name.endsWith('-pg') ? pgFor(name, run.postgres!) : undefined,
            env: run.oursEnv,
            ...(name.startsWith('base') ? { root: run.base, name: 'base' as const } : { root: run.ours }),
          });
  } catch (err) {
    result.error = err instanceof Error ? err.message : String(err);
    log(`${name} did not start: ${result.error}`);
    return result;
  }
  running.add(target);
  Object.assign(result, { label: target.label, bootMs: target.bootMs });
  result.notes.push(...target.notes);
  if (name === 'opencode' && !run.snapshot) result.notes.push('"snapshot": false (not the default)');
  log(`${target.label} up at ${target.baseUrl} (pid ${target.pid}, boot ${target.bootMs} ms)`);
  try {
    await sleep(3000);
    result.metrics.push({ key: 'rss.idle', label: 'RSS idle, after boot (server process)', unit: 'MiB', value: mib(rssKiB(target.pid)), better: 'lower' });
    result.metrics.push({ key: 'rss.idle.tree', label: 'RSS idle, after boot (with child processes)', unit: 'MiB', value: mib(treeRssKiB(target.pid)), better: 'lower' });
    result.metrics.push({ key: 'pss.idle.tree', label: 'PSS idle, after boot (with child processes, shared pages counted once)', unit: 'MiB', value: mib(treePssKiB(target.pid)), better: 'lower' });
    for (const scenario of run.scenarios) {
      const abort = new AbortController();
      setMaxListeners(0, abort.signal); // every SSE subscription of a scenario listens on it
      const entry = { ms: 0, notes: [] as string[], error: undefined as string | undefined };
      result.scenarios[scenario.name] = entry;
      const started = Date.now();
      log(`${name}: ${scenario.name} — ${scenario.description}`);
      try {
        const client = await makeClient(target, abort.signal, 120_000);
        const ctx = {
          target,
          client,
          clientWithTimeout: (ms: number) => makeClient(target, abort.signal, ms),
          llm,
          opts: run.bench,
          signal: abort.signal,
          record: (m: Metric) => {
            result.metrics.push(m);
            log(`  ${m.label}: ${m.value ?? '—'} ${m.unit}`);
          },
          note: (text: string) => (entry.notes.push(text), log(`  note: ${text}`)),
          log,
        };
        await withTimeout(scenario.run(ctx), scenario.timeoutMs(run.bench), scenario.name);
      } catch (err) {
        entry.error = err instanceof Error ? err.message : String(err);
        log(`  ${scenario.name} failed: ${entry.error}`);
      } finally {
        abort.abort();
        entry.ms = Date.now() - started;
        llm.clear(); // recorded requests only; the replies come from the default reply function
      }
    }
  } finally {
    log(`stopping ${name}`);
    await target.stop();
    running.delete(target);
  }
  return result;
}

async function main(): Promise<void> {
  const run = options();
  const command = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim().replace(/ --$/, '');
  const startedAt = new Date().toISOString();
  const loadAvgAtStart = os.loadavg();
  const llm = await startBenchLlm({ longTokens: run.bench.longTokens, longDelayMs: run.bench.longDelayMs, farm: run.fakeFarm });
  log(`fake LLM at ${llm.openaiBaseUrl}`);
  const targets: TargetResult[] = [];
  try {
    if (run.opencodeFrom) {
      const earlier = JSON.parse(fs.readFileSync(run.opencodeFrom, 'utf8')) as BenchResult;
      const oc = earlier.targets.find((t) => t.name === 'opencode');
      if (!oc) throw new Error(`${run.opencodeFrom} holds no OpenCode figures`);
      oc.notes.unshift(`figures from an earlier run (${earlier.startedAt}, \`${earlier.command}\`, load average at start ${earlier.machine.loadAvgAtStart.map((l) => l.toFixed(1)).join('/')}), not this one`);
      targets.push(oc);
    }
    for (const name of run.targets) if (!(run.opencodeFrom && name === 'opencode')) targets.push(await measureTarget(name, run, llm));
  } finally {
    await llm.stop();
  }
  const result: BenchResult = {
    command,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: { cpus: os.cpus().length, loadAvgAtStart, loadAvgAtEnd: os.loadavg(), node: process.version, platform: `${process.platform}-${process.arch}` },
    options: { ...run.bench, targets: run.targets, scenarios: run.scenarios.map((s) => s.name), opencodeSnapshot: run.snapshot },
    targets,
    rows: buildRows(targets),
    tables: buildTables(targets),
  };
  fs.mkdirSync(path.dirname(run.out), { recursive: true });
  fs.writeFileSync(`${run.out}.tmp`, JSON.stringify(result, null, 2));
  fs.renameSync(`${run.out}.tmp`, run.out);
  const table = markdown(result);
  fs.writeFileSync(run.out.replace(/\.json$/, '.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\nWritten ${path.relative(process.cwd(), run.out)}\n`);
}

async function shutdown(signal: string): Promise<void> {
  log(`${signal}: stopping servers`);
  await Promise.all([...running].map((t) => t.stop()));
  process.exit(130);
}
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

main()
  .then(() => process.exit(0))
  .catch(async (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    await Promise.all([...running].map((t) => t.stop()));
    process.exit(1);
  });
