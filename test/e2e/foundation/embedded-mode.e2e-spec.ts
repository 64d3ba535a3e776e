import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { client } from '../../utils/http';
import { NodeProcess } from '../../utils/node-process';

// The zero-setup mode as `npm start` runs it: `node dist/main.js` with neither DATABASE_URL nor REDIS_URL, so an
// embedded PGlite under DATA_DIR and BullMQ on its Postgres backend, in one process. Jobs must start at once
// (LISTEN/NOTIFY reaches the workers through the shared PGlite session), and a restart on the same DATA_DIR
// must find its data and its schema as they were.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SNAPSHOTS = path.join(ROOT, 'node_modules', '.cache', 'opencode-api');

describe('embedded mode (PGlite, no Redis)', () => {
  const adminKey = `oc_emb_${randomBytes(18).toString('base64url')}`;
  let dataDir: string;
  let api: NodeProcess | undefined;

  async function boot(): Promise<{ proc: NodeProcess; url: string }> {
    const proc = NodeProcess.start('embedded', 'dist/main.js', {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      BOOTSTRAP_API_KEY: adminKey,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '2000',
    });
    api = proc;
    const m = await proc.waitFor(/"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*opencode-api listening|opencode-api listening[^\n]*"url":"(http:\/\/127\.0\.0\.1:\d+)"/, 120_000);
    return { proc, url: m[1] ?? m[2] };
  }

  beforeAll(() => {
    if (process.env.OC_TEST_SKIP_BUILD !== '1') {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, encoding: 'utf8' });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-embedded-'));
  }, 600_000);

  afterAll(async () => {
    await api?.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs health jobs on the Postgres queue backend within seconds, and keeps its data across a restart', async () => {
    let { proc, url } = await boot();
    const admin = client(url, adminKey);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      const res = await admin.post('/admin/jobs/health');
      // Polling alone took 10-30 s here; a notified worker starts the job at once.
      expect({ status: res.status, body: res.body }).toEqual({ status: 201, body: { jobId: expect.stringMatching(/^health-/), workerPid: proc.pid, ms: expect.any(Number) } });
      expect(Date.now() - started).toBeLessThan(5000);
    }
    expect(fs.readdirSync(SNAPSHOTS).some((f) => /^pglite-[0-9a-f]{16}\.tar$/.test(f))).toBe(true);
    const before = await admin.get('/admin/tenants/current');
    expect(before.status).toBe(200);

    // A clean shutdown (Nest re-raises SIGTERM once it has closed everything): PGlite's files are consistent.
    await proc.stop();
    expect({ code: proc.exitCode, signal: proc.exitSignal }).toEqual(expect.objectContaining(proc.exitCode === 0 ? { code: 0 } : { signal: 'SIGTERM' }));
    ({ proc, url } = await boot());
    const again = client(url, adminKey);
    const after = await again.get('/admin/tenants/current');
    expect(after.body).toEqual(before.body);
    const res = await again.post('/admin/jobs/health');
    expect(res.body).toEqual({ jobId: expect.stringMatching(/^health-/), workerPid: proc.pid, ms: expect.any(Number) });
  }, 300_000);
});
