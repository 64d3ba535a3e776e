// `npm run bench:statements -- --admin-url postgresql://postgres@127.0.0.1:55433/postgres --redis-url redis://127.0.0.1:6379/13`
// Counts what one prompt costs the database: ours on Postgres + Redis (workers in the API process), on a fresh
// database of a PostgreSQL cluster that loads pg_stat_statements (a private one: the counts are the whole
// database's). Every statement the server sends is one round trip (BEGIN and COMMIT included), so the calls
// are the round trips. Reports statements per plain prompt, per tool prompt and per fresh session (create +
// first prompt + its title job), the ten most frequent statements of each, and the server's CPU per prompt.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import { freePort } from './lib/proc';
import { Profiler } from './lib/profiler';
import { createSession, makeClient, ok, textPrompt, type Client } from './lib/client';
import { sleep } from './lib/time';
import { MARK, startBenchLlm } from './llm';
import { startOurs } from './servers/ours';

const HELP = `npm run bench:statements -- --admin-url URL [options]
  --admin-url URL     a superuser URL of a cluster with shared_preload_libraries=pg_stat_statements; a fresh
                      database is created there for the run and dropped after it
  --redis-url URL     Redis for the server (default REDIS_URL)
  --prompts N         prompts per kind (default 20)
  --root DIR          another checkout of this project to run (its dist/), e.g. an older commit
  --no-build          use dist/ as it is
  --profile FILE      CPU-profile the server (through its inspector) while it answers the plain prompts; the
                      .cpuprofile opens in Chrome DevTools, and the heaviest functions are printed
  --out FILE          results (default bench/results/statements.json; a .md beside it)`;

interface Stat {
  query: string;
  calls: number;
}

interface Phase {
  name: string;
  prompts: number;
  statements: number;
  perPrompt: number;
  /** Without the periodic statements (sweeps, renewals): what the prompt itself sends. */
  ownPerPrompt: number;
  cpuMsPerPrompt: number;
  /** Median wall time of one prompt (sequential), this machine's load included. */
  medianMs: number;
  top: { query: string; perPrompt: number }[];
}

async function snapshot(admin: PgClient, db: string): Promise<Map<string, Stat>> {
  const r = await admin.query<{ queryid: string; query: string; calls: string }>(
    'SELECT s.queryid::text, s.query, s.calls::text FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1',
    [db],
  );
  return new Map(r.rows.map((row) => [row.queryid, { query: row.query, calls: Number(row.calls) }]));
}

function diff(before: Map<string, Stat>, after: Map<string, Stat>): Stat[] {
  return [...after.entries()]
    .map(([id, s]) => ({ query: s.query, calls: s.calls - (before.get(id)?.calls ?? 0) }))
    .filter((s) => s.calls > 0);
}

const total = (stats: Stat[]) => stats.reduce((n, s) => n + s.calls, 0);

/**
 * Statements every process sends on a timer whatever it does (the run-recovery sweep, the lease renewal, the budget
 * reservations' sweeps, by expiry and by dead owner): they count time, not prompts, so they are reported apart and never keep `settle` waiting.
 */
const PERIODIC = [
  /"runOwner" IS NOT NULL AND \("runLeaseUntil" </,
  /SET "runLeaseUntil" = now\(\) \+ .* WHERE "runOwner" = \$1 AND id = ANY/,
  /FROM "BudgetReservation" WHERE "expiresAt" </,
  /SELECT DISTINCT owner FROM "BudgetReservation" WHERE owner <> \$1/,
];
const periodic = (s: Stat) => PERIODIC.some((re) => re.test(s.query.replace(/\s+/g, ' ')));

/** Waits until the database has seen no statement but the periodic ones for `quietMs` (background jobs done). */
async function settle(admin: PgClient, db: string, quietMs = 1500): Promise<void> {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    const n = total([...(await snapshot(admin, db)).values()].filter((s) => !periodic(s)));
    if (n === last) return;
    last = n;
    await sleep(quietMs);
  }
}

/** utime + stime of a process in ms. */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // clock ticks, 100 per second on Linux
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'admin-url': { type: 'string' },
      'redis-url': { type: 'string' },
      prompts: { type: 'string', default: '20' },
      root: { type: 'string' },
      'no-build': { type: 'boolean', default: false },
      profile: { type: 'string' },
      out: { type: 'string', default: path.join(__dirname, 'results', 'statements.json') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help || !values['admin-url']) {
    process.stdout.write(`${HELP}\n`);
    process.exit(values.help ? 0 : 2);
  }
  const n = Number(values.prompts);
  const log = (line: string) => process.stderr.write(`[statements] ${line}\n`);
  const admin = new PgClient({ connectionString: values['admin-url'] });
  await admin.connect();
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
  const db = `ocstmt_${Date.now().toString(36)}`;
  await admin.query(`CREATE DATABASE ${db}`);
  const url = new URL(values['admin-url']!);
  url.pathname = `/${db}`;
  const llm = await startBenchLlm({ longTokens: 10, longDelayMs: 0 });
  const inspectPort = await freePort();
  const loadAtStart = os.loadavg();
  const startedAt = new Date().toISOString();
  const target = await startOurs({
    llm,
    build: !values['no-build'],
    keep: false,
    log,
    postgres: { databaseUrl: url.toString(), redisUrl: values['redis-url'] ?? process.env.REDIS_URL },
    root: values.root ? path.resolve(values.root) : undefined,
    name: values.root ? 'base' : 'ours',
    cache: values.root ? 'statements-base' : 'statements',
    env: values.profile ? { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` } : undefined,
  });
  const phases: Phase[] = [];
  try {
    const signal = new AbortController().signal;
    const client: Client = await makeClient(target, signal, 60_000);
    const prompt = (id: string, text: string) =>
      ok(client.session.prompt({ path: { id }, body: textPrompt(text) }), 'POST /session/{id}/message');
    const measure = async (name: string, one: (i: number) => Promise<void>, profile?: string) => {
      await settle(admin, db);
      const before = await snapshot(admin, db);
      const profiler = profile ? await Profiler.start(inspectPort) : undefined;
      const cpu0 = cpuMs(target.pid);
      const walls: number[] = [];
      for (let i = 0; i < n; i++) {
        const t0 = performance.now();
        await one(i);
        walls.push(performance.now() - t0);
      }
      if (profiler) await profiler.stop(profile!, log);
      await settle(admin, db);
      const cpu1 = cpuMs(target.pid);
      const stats = diff(before, await snapshot(admin, db)).sort((a, b) => b.calls - a.calls);
      const phase: Phase = {
        name,
        prompts: n,
        statements: total(stats),
        perPrompt: total(stats) / n,
        ownPerPrompt: total(stats.filter((s) => !periodic(s))) / n,
        cpuMsPerPrompt: (cpu1 - cpu0) / n,
        medianMs: walls.sort((a, b) => a - b)[Math.floor(walls.length / 2)],
        top: stats
          .slice(0, 40)
          .map((s) => ({ query: s.query.replace(/\s+/g, ' ').slice(0, 160), perPrompt: s.calls / n })),
      };
      phases.push(phase);
      log(
        `${name}: ${phase.perPrompt.toFixed(1)} statements (${phase.ownPerPrompt.toFixed(1)} without the periodic ones), ${phase.cpuMsPerPrompt.toFixed(0)} ms server CPU, ${phase.medianMs.toFixed(0)} ms median wall per prompt`,
      );
    };
    const plain = await createSession(client, 'statements plain');
    const tool = await createSession(client, 'statements tool');
    await prompt(plain, 'Say hello.'); // warm-up: per-session and per-process caches
    await prompt(tool, `Read the file. ${MARK.tool}`);
    await measure('idle (per prompt-length of nothing)', () => sleep(200));
    await measure(
      'plain prompt (warm session)',
      () => prompt(plain, 'Say hello.').then(() => undefined),
      values.profile && path.resolve(values.profile),
    );
    await measure('tool prompt (warm session, 2 steps)', () =>
      prompt(tool, `Read the file. ${MARK.tool}`).then(() => undefined),
    );
    await measure('fresh session: create (untitled) + first prompt + title job', async () => {
      const s = await ok(client.session.create({ body: {} }), 'POST /session');
      await prompt(s.id, 'Say hello.');
    });
  } finally {
    await target.stop();
    await llm.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
  const lines = [
    `Ours on Postgres + Redis, ${n} prompts per kind, ${startedAt}, load average at start ${loadAtStart.map((l) => l.toFixed(1)).join('/')}; ${target.notes.filter((x) => !x.startsWith('work dir')).join('; ')}`,
    '',
    '| per prompt | statements (= round trips) | without the periodic sweeps and renewals | server CPU | wall, median (this load) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...phases.map(
      (p) =>
        `| ${p.name} | ${p.perPrompt.toFixed(1)} | ${p.ownPerPrompt.toFixed(1)} | ${p.cpuMsPerPrompt.toFixed(0)} ms | ${p.medianMs.toFixed(0)} ms |`,
    ),
  ];
  for (const p of phases.slice(1)) {
    lines.push('', `#### ${p.name}: statements per prompt`, '', '| per prompt | statement |', '| ---: | --- |');
    for (const t of p.top) lines.push(`| ${t.perPrompt.toFixed(2)} | \`${t.query.replace(/\|/g, '\\|')}\` |`);
  }
  const out = path.resolve(values.out!);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify({ startedAt, loadAtStart, notes: target.notes, phases }, null, 2));
  fs.writeFileSync(out.replace(/\.json$/, '.md'), `${lines.join('\n')}\n`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main()
  .then(() => process.exit(0))
  .catch((err) => {
    process.stderr.write(`statements failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
