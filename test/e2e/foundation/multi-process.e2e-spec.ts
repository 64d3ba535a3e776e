import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { client, request } from '../../utils/http';
import { startApiProcess, startWorkerProcess, type NodeProcess } from '../../utils/node-process';
import { leaseRedisDb, testRedisUrl, type RedisLease } from '../../utils/redis-lease';
import { SseClient } from '../../utils/sse-client';
import { waitUntil } from '../../utils/wait-until';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../../utils/test-database';

// The deployment shape: two API processes (`node dist/main.js`, WORKERS_IN_API=false) and one worker
// (`node dist/worker.js`) on one Postgres and one Redis. An event published through one API reaches an SSE
// client of the other, and a job enqueued by an API runs on the worker.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const enabled = !!testRedisUrl() && !!testServerUrl();
const describeMulti = enabled ? describe : describe.skip;
if (!enabled) {
  it.skip('multi-process deployment: skipped because REDIS_URL and DATABASE_URL are not both set (API processes share events and jobs through Redis)', () =>
    undefined);
}

describeMulti('two API processes and one worker', () => {
  let db: TestDatabase;
  let lease: RedisLease;
  let dataDir: string;
  const adminKey = `oc_mp_${randomBytes(18).toString('base64url')}`;
  let worker: NodeProcess;
  let api1: NodeProcess;
  let api2: NodeProcess;
  let url1: string;
  let url2: string;
  let school: TestTenant;

  const envFor = (extra: Record<string, string> = {}) => ({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: lease.url,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SHUTDOWN_GRACE_MS: '2000',
    ...extra,
  });

  async function startApi(name: string): Promise<[NodeProcess, string]> {
    const { proc, url } = await startApiProcess(name, envFor({ WORKERS_IN_API: 'false', BOOTSTRAP_API_KEY: adminKey }));
    return [proc, url];
  }

  beforeAll(async () => {
    // The processes run the build; the build script does nothing when dist is newer than src. OC_TEST_SKIP_BUILD=1
    // uses dist as it is (e.g. while someone else's half-written module does not compile).
    if (process.env.OC_TEST_SKIP_BUILD !== '1') {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
    db = await createTestDatabase();
    lease = await leaseRedisDb(testRedisUrl()!);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-mp-'));
    worker = await startWorkerProcess('worker', envFor());
    // One API after the other: the first creates the bootstrap tenant, the second finds it.
    [api1, url1] = await startApi('api-1');
    [api2, url2] = await startApi('api-2');
    school = await createTenant(url1, adminKey);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([api1?.stop(), api2?.stop(), worker?.stop()]);
    await db?.close();
    await lease?.release();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs as three separate processes', () => {
    expect(new Set([worker.pid, api1.pid, api2.pid, process.pid]).size).toBe(4);
    expect(url1).not.toBe(url2);
  });

  it('delivers an event published through one API to an SSE client of the other', async () => {
    const project = (await client(url1, school.admin.key).get('/project/current')).body;
    // A project's events reach only those who may see the project: its owner (here the admin) and the school's
    // admins — not a teacher who does not teach its owner.
    const sse = await SseClient.open(url2, '/event', { key: school.admin.key });
    try {
      await sse.waitForType('server.connected');
      const res = await client(url1, school.admin.key).patch(`/project/${project.id}`, {
        body: { name: 'seen on api-2' },
      });
      expect(res.status).toBe(200);
      const f = await sse.waitForType('project.updated', 10_000);
      expect(f.data.properties).toMatchObject({ id: project.id, name: 'seen on api-2' });
      expect(f.id).toMatch(/^\d+-\d+$/);

      // The replay window is shared too: api-2 replays what was published on api-1 after a cursor.
      await client(url1, school.admin.key).patch(`/project/${project.id}`, { body: { name: 'second' } });
      await client(url1, school.admin.key).patch(`/project/${project.id}`, { body: { name: 'third' } });
      const resumed = await SseClient.open(url2, '/event', { key: school.admin.key, lastEventId: f.id });
      try {
        await resumed.waitFor(
          () => resumed.frames.filter((x) => x.data.type === 'project.updated').length === 2,
          10_000,
        );
        expect(
          resumed.frames.filter((x) => x.data.type === 'project.updated').map((x) => x.data.properties.name),
        ).toEqual(['second', 'third']);
      } finally {
        resumed.close();
      }
    } finally {
      sse.close();
    }
  });

  it('runs a job enqueued by either API on the worker process', async () => {
    for (const url of [url1, url2]) {
      const res = await client(url, adminKey).post('/admin/jobs/health');
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        jobId: expect.stringMatching(/^health-/),
        workerPid: worker.pid,
        ms: expect.any(Number),
      });
    }
  });

  it('serves the built OpenAPI document with DTO schemas from the Swagger plugin', async () => {
    const doc = await request(url2, 'GET', '/doc');
    expect(doc.body.components.schemas.CreateTenantDto.required).toEqual(
      expect.arrayContaining(['name', 'slug', 'admin']),
    );
    expect(doc.body.components.schemas.UpdateProjectDto.properties).toHaveProperty('name');
    expect((await request(url2, 'GET', '/ready')).body).toMatchObject({ ready: true, queueBackend: 'redis' });
  });

  it('closes streams on one API when rights end through the other (revoked key, teacher off a class)', async () => {
    const student = await createUser(url1, school.admin.key, 'student');
    const teacher = await createUser(url1, school.admin.key, 'teacher');
    const cls = (await client(url1, school.admin.key).post('/admin/classes', { body: { name: `mp ${teacher.id}` } }))
      .body.id;
    for (const m of [
      { userId: teacher.id, role: 'teacher' },
      { userId: student.id, role: 'student' },
    ])
      expect((await client(url1, school.admin.key).post(`/admin/classes/${cls}/members`, { body: m })).status).toBe(
        201,
      );
    const keyId = (await client(url1, student.key).get('/admin/keys')).body[0].id;
    const studentStream = await SseClient.open(url2, '/event', { key: student.key });
    const teacherStream = await SseClient.open(url2, '/global/event', { key: teacher.key });
    try {
      await Promise.all([studentStream.waitForType('server.connected'), teacherStream.waitForType('server.connected')]);
      expect((await client(url1, school.admin.key).delete(`/admin/keys/${keyId}`)).status).toBe(200);
      expect((await client(url1, school.admin.key).delete(`/admin/classes/${cls}/members/${teacher.id}`)).status).toBe(
        200,
      );
      await Promise.all([studentStream.waitForEnd(), teacherStream.waitForEnd()]);
      // api-2 refuses the revoked key at once too (its cached verification was dropped by the same event).
      expect((await client(url2, student.key).get('/session')).status).toBe(401);
    } finally {
      studentStream.close();
      teacherStream.close();
    }
  });

  it('counts a user’s open streams across both APIs (the per-user limit holds in Redis, not per process)', async () => {
    const t = await createTenant(url1, adminKey);
    expect(
      (await client(url2, t.admin.key).patch('/admin/limits', { body: { sseConnectionsPerUser: 2 } })).status,
    ).toBe(200);
    const a = await SseClient.open(url1, '/event', { key: t.student.key });
    const b = await SseClient.open(url2, '/event', { key: t.student.key });
    try {
      expect([a.status, b.status]).toEqual([200, 200]);
      for (const url of [url1, url2]) {
        // The new limit reaches the other process through the bus: wait for that fact, then a third stream is refused.
        await waitUntil(
          `a third stream refused on ${url}`,
          async () => {
            const s = await SseClient.open(url, '/event', { key: t.student.key });
            s.close();
            return s.status;
          },
          (status) => status === 429,
        );
        const refused = await SseClient.open(url, '/event', { key: t.student.key });
        expect(refused.status).toBe(429);
        expect(refused.headers['retry-after']).toMatch(/^\d+$/);
        refused.close();
      }
    } finally {
      a.close();
      b.close();
    }
  });

  it('shuts the worker and the APIs down cleanly on SIGTERM', async () => {
    const sse = await SseClient.open(url1, '/event', { key: school.admin.key });
    await sse.waitForType('server.connected');
    expect(await worker.stop('SIGTERM')).toBe(0);
    expect(worker.output).toContain('worker shutting down');
    // Nest's shutdown hook closes the app, then re-raises the signal: exit by SIGTERM (or 0), never SIGKILL.
    const code = await api1.stop('SIGTERM');
    expect(code === 0 || api1.exitSignal === 'SIGTERM').toBe(true);
    // The stream ending is the fact; its bound is generous (how fast shutdown is belongs in bench/).
    await sse.waitForEnd(20_000);
  });
});
