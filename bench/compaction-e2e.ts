// `npm run bench:compaction -- [--turns 300] [--context 9000] [--output 1500] [--no-build] [--out FILE]`
//
// A long conversation through the real deployment shape, with and without compaction: `node dist/main.js`
// (no workers) and `node dist/worker.js` on a private Postgres database and Redis index (DATABASE_URL and
// REDIS_URL must be set), a fake OpenAI-compatible model from test/fakes/llm whose configured context limit is
// small, and one synchronous `session.prompt` per turn through `@opencode-ai/sdk`. The fake records every
// request and measures it as characters of the whole serialized request body (system prompt, tools, messages)
// divided by 4; it reports that as the request's input usage, so the server's overflow test runs on the same
// figure. The second run sets `compaction: {auto: false}` and is otherwise identical.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { compactionJobs, runConversation, startWindowStack, type WindowStats } from '../test/e2e/compaction/compaction-stack';
import { CONTEXT, OUTPUT, SUMMARY_TEXT } from '../test/e2e/compaction/compaction.helpers';

const ROOT = path.join(__dirname, '..');
const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '300' },
    context: { type: 'string', default: String(CONTEXT) },
    output: { type: 'string', default: String(OUTPUT) },
    'no-build': { type: 'boolean', default: false },
    out: { type: 'string', default: path.join(ROOT, 'bench', 'results', 'compaction-e2e.json') },
  },
});
const TURNS = Number(values.turns);
const LIMIT = { context: Number(values.context), output: Number(values.output) };

interface RunResult {
  mode: string;
  stats: WindowStats;
  errors: string[];
  summaryMessages: number;
  jobs: number;
  jobsOnWorker: number;
  apiPid: number;
  workerPid: number;
  seconds: number;
}

async function run(auto: boolean): Promise<RunResult> {
  const mode = auto ? 'with compaction' : 'without compaction';
  const stack = await startWindowStack({ context: LIMIT.context, output: LIMIT.output, auto });
  try {
    const started = Date.now();
    const { sessionId, stats, errors } = await runConversation(stack, TURNS, {
      context: LIMIT.context,
      onTurn: (turn) => turn % 50 === 0 && console.error(`  ${mode}: turn ${turn}/${TURNS}, ${((Date.now() - started) / 1000).toFixed(0)} s`),
    });
    const seconds = (Date.now() - started) / 1000;
    const messages = (await stack.client.session.messages({ path: { id: sessionId } })).data ?? [];
    // Summary parts kept in the stored transcript: finished summary messages whose text is the model's summary.
    const summaryMessages = messages.filter((m) => (m.info as { summary?: unknown; finish?: string }).summary === true && (m.info as { finish?: string }).finish === 'stop' && m.parts.some((p) => p.type === 'text' && p.text === SUMMARY_TEXT)).length;
    const jobs = await compactionJobs(stack, sessionId);
    const jobsOnWorker = jobs.filter((j) => j.returnvalue?.workerPid === stack.worker.pid).length;
    return { mode, stats, errors, summaryMessages, jobs: jobs.length, jobsOnWorker, apiPid: stack.api.pid, workerPid: stack.worker.pid, seconds };
  } finally {
    await stack.close();
  }
}

async function main(): Promise<void> {
  if (!values['no-build']) {
    const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
  }
  const fmt = (n: number) => n.toLocaleString('en-US');
  console.error(`compaction e2e bench: ${TURNS} turns, model limit context ${fmt(LIMIT.context)} / output ${fmt(LIMIT.output)} tokens`);
  const rows = [await run(true), await run(false)];
  const lines = [
    `${TURNS} synchronous turns, model limit {context: ${fmt(LIMIT.context)}, output: ${fmt(LIMIT.output)}}, tokens = characters of the serialized request / 4`,
    '',
    '| run | requests (chat / summary / title) | total tokens sent | largest request | requests at or over the window | summary messages in transcript | compaction jobs (run by the worker pid) | turns failed | wall time |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const s = r.stats;
      return `| ${r.mode} | ${fmt(s.requests)} (${fmt(s.chat)} / ${fmt(s.summaries)} / ${fmt(s.titles)}) | ${fmt(s.totalTokens)} | ${fmt(s.largest)} | ${fmt(s.overWindow)} | ${fmt(r.summaryMessages)} | ${fmt(r.jobs)} (${fmt(r.jobsOnWorker)}) | ${fmt(r.errors.length)} | ${r.seconds.toFixed(0)} s |`;
    }),
    '',
    `without compaction the model is sent ${(rows[1].stats.totalTokens / rows[0].stats.totalTokens).toFixed(1)}x the tokens; api pid ${rows[0].apiPid}, worker pid ${rows[0].workerPid} (with compaction)`,
  ];
  console.log(lines.join('\n'));
  for (const r of rows) if (r.errors.length) console.error(`${r.mode}: ${r.errors.slice(0, 5).join('; ')}`);
  fs.mkdirSync(path.dirname(values.out!), { recursive: true });
  fs.writeFileSync(values.out!, JSON.stringify({ at: new Date().toISOString(), turns: TURNS, limit: LIMIT, runs: rows, table: lines }, null, 2));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
