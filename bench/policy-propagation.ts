// `npm run bench:policy -- [--reps 20] [--out FILE]` (after `npm run build`; DATABASE_URL and REDIS_URL set)
//
// How long a class policy change takes to reach another API process: two `node dist/main.js` on a private
// Postgres database and Redis index, both caching policies for an hour (POLICY_CACHE_MS), so only the bus's
// `policy.changed` can carry the change. Each repetition: the teacher PATCHes `allow_change` on api-1, and the
// student's `GET /agent` on api-2 is polled every 5 ms until it shows the new policy. The figure is the time from
// sending the PATCH to api-2's first answer under the new policy (the PATCH's own round trip included).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { client } from '../test/utils/http';
import { startApiProcess } from '../test/utils/node-process';
import { leaseRedisDb, testRedisUrl } from '../test/utils/redis-lease';
import { createTestDatabase } from '../test/utils/test-database';
import { fakeProviderConfig } from '../test/utils/fake-provider-config';
import { FakeLlm } from '../test/fakes/llm';
import { createSchool, expectOk } from '../test/e2e/school/school.fixture';

const { values } = parseArgs({
  options: { reps: { type: 'string', default: '20' }, out: { type: 'string' } },
});

async function main(): Promise<void> {
  const reps = Number(values.reps);
  const llm = await FakeLlm.start({ chunkDelayMs: 0 });
  const db = await createTestDatabase();
  const lease = await leaseRedisDb(testRedisUrl()!);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-policy-bench-'));
  const adminKey = `oc_pb_${randomBytes(18).toString('base64url')}`;
  const start = async (name: string) => {
    const { proc, url } = await startApiProcess(name, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: lease.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      BOOTSTRAP_API_KEY: adminKey,
      SANDBOX: 'off',
      OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
      POLICY_CACHE_MS: '3600000',
    });
    return [proc, url] as const;
  };
  const [api1, url1] = await start('api-1');
  const [api2, url2] = await start('api-2');
  const samples: number[] = [];
  try {
    const school = await createSchool(url1, adminKey);
    const teacher = client(url1, school.users.teacher.key);
    const student = client(url2, school.users.student.key);
    const settings = `/admin/classes/${school.classA}/settings`;
    expectOk(await teacher.put(settings, { body: { agents: ['tutor', 'plan'], default_agent: 'tutor' } }), 200, 'set');
    const primaries = async () =>
      (expectOk(await student.get('/agent'), 200, 'agents') as { name: string; mode: string }[]).filter(
        (a) => a.mode !== 'subagent',
      ).length;
    for (let i = 0; i < reps; i++) {
      const locked = i % 2 === 0;
      await primaries(); // api-2 has the current policy cached
      const t0 = performance.now();
      expectOk(await teacher.patch(settings, { body: { allow_change: !locked } }), 200, 'patch');
      while ((await primaries()) !== (locked ? 1 : 2)) {
        if (performance.now() - t0 > 60_000) throw new Error('api-2 never saw the change');
        await delay(5);
      }
      samples.push(performance.now() - t0);
    }
  } finally {
    await Promise.all([api1.stop(), api2.stop()]);
    await llm.stop();
    await db.close();
    await lease.release();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const sorted = [...samples].sort((a, b) => a - b);
  const pick = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  const result = {
    reps,
    ms: { p50: pick(0.5), p95: pick(0.95), max: sorted.at(-1), min: sorted[0] },
    samples,
    load: os.loadavg(),
    at: new Date().toISOString(),
  };
  console.log(
    JSON.stringify(result.ms),
    'load',
    os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  );
  if (values.out) fs.writeFileSync(values.out, JSON.stringify(result, null, 2));
}

void main().catch((err) => {
  console.error(err);
  process.exit(1);
});
