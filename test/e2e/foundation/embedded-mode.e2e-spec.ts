import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { alive } from '../../../src/infra/database/embedded-postgres.process';
import { client } from '../../utils/http';
import { buildDist, NodeProcess, startApiProcess } from '../../utils/node-process';
import { waitUntil } from '../../utils/wait-until';

// The zero-setup mode as `npm start` runs it: `node dist/main.js` with neither DATABASE_URL nor REDIS_URL, so an
// embedded PostgreSQL (a child process) under DATA_DIR/postgres and BullMQ on its Postgres backend. Jobs start at
// once (LISTEN/NOTIFY), a restart finds its data, a postmaster left by a SIGKILL is stopped at the next start, and a
// second server on the same DATA_DIR is refused.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SNAPSHOTS = path.join(ROOT, 'node_modules', '.cache', 'opencode-api');

describe('embedded mode (PostgreSQL child process, no Redis)', () => {
  const adminKey = `oc_emb_${randomBytes(18).toString('base64url')}`;
  let dataDir: string;
  const procs: NodeProcess[] = [];

  const env = () => ({
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    BOOTSTRAP_API_KEY: adminKey,
    LOG_LEVEL: 'info',
    LOG_FORMAT: 'json',
    SHUTDOWN_GRACE_MS: '2000',
  });

  /** A server that is expected not to come up (it waits for no listening line). */
  function start(): NodeProcess {
    const proc = NodeProcess.start('embedded', 'dist/main.js', { ...env(), HOST: '127.0.0.1', PORT: '0' });
    procs.push(proc);
    return proc;
  }

  async function boot(): Promise<{ proc: NodeProcess; url: string }> {
    const started = await startApiProcess('embedded', env());
    procs.push(started.proc);
    return started;
  }

  /** The `application_name`s of the embedded database's connections subscribed to BullMQ's job channel. */
  async function jobListeners(): Promise<string[]> {
    const socketDir = encodeURIComponent(path.join(dataDir, 'postgres'));
    const db = new pg.Client({ connectionString: `postgresql://opencode@localhost/opencode?host=${socketDir}` });
    await db.connect();
    try {
      const { rows } = await db.query<{ application_name: string }>(
        `SELECT application_name FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE '%LISTEN bullmq_jobs%'`,
      );
      return rows.map((r) => r.application_name);
    } finally {
      await db.end();
    }
  }

  const postmasterPid = () =>
    Number(fs.readFileSync(path.join(dataDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);

  beforeAll(() => {
    buildDist();
    // World-searchable: as root the server runs PostgreSQL as the `postgres` user, which must reach DATA_DIR.
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-embedded-'));
    fs.chmodSync(dataDir, 0o755);
  }, 600_000);

  afterAll(async () => {
    for (const p of procs) await p.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs health jobs at once, keeps its data across a restart, survives a SIGKILL and refuses a second server', async () => {
    let { proc, url } = await boot();
    const admin = client(url, adminKey);
    const took: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await admin.post('/admin/jobs/health');
      expect({ status: res.status, body: res.body }).toEqual({
        status: 201,
        body: { jobId: expect.stringMatching(/^health-/), workerPid: proc.pid, ms: expect.any(Number) },
      });
      took.push(res.body.ms);
    }
    // A job starts at once because a notification wakes the worker (polling alone took seconds): the worker's
    // connection is subscribed to BullMQ's job channel. The fact is asserted; the time is printed, never asserted.
    console.log(`embedded health jobs took ${took.join(', ')} ms`);
    await waitUntil(
      'the maintenance worker LISTENing on bullmq_jobs',
      () => jobListeners(),
      (names) => names.includes('maintenance'),
    );
    expect(fs.readdirSync(SNAPSHOTS).some((f) => /^pg-[0-9a-f]{16}$/.test(f))).toBe(true);
    // Only a Unix socket in a 0700 folder; no TCP listener.
    expect(fs.statSync(path.join(dataDir, 'postgres')).mode & 0o777).toBe(0o700);
    expect(fs.readFileSync(path.join(dataDir, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[5]).toBe('');
    const before = await admin.get('/admin/tenants/current');
    expect(before.status).toBe(200);

    // A second server on the same DATA_DIR is refused, and leaves the first one's database alone.
    const second = start();
    await second.waitFor(/in use by another opencode-api \(pid \d+\)/, 60_000);
    await second.stop();
    expect(second.exitCode).not.toBe(0);
    expect((await admin.get('/admin/tenants/current')).status).toBe(200);

    // A clean shutdown stops the database with the server.
    const pm = postmasterPid();
    await proc.stop();
    expect(proc.exitCode).toBe(0);
    expect(alive(pm)).toBe(false);

    ({ proc, url } = await boot());
    const again = client(url, adminKey);
    expect((await again.get('/admin/tenants/current')).body).toEqual(before.body);

    // SIGKILL leaves the postmaster running; the next start stops it and takes over.
    const orphan = postmasterPid();
    await proc.stop('SIGKILL');
    expect(alive(orphan)).toBe(true);
    ({ proc, url } = await boot());
    expect(alive(orphan)).toBe(false);
    expect(proc.output).toMatch(/stopping the PostgreSQL \(pid \d+\) that an earlier opencode-api/);
    const res = await client(url, adminKey).post('/admin/jobs/health');
    expect(res.body).toEqual({ jobId: expect.stringMatching(/^health-/), workerPid: proc.pid, ms: expect.any(Number) });
  }, 300_000);
});
