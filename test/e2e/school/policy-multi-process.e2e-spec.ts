import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createUser } from '../../factories/tenant.factory';
import { client, type Client } from '../../utils/http';
import { startApiProcess, type NodeProcess } from '../../utils/node-process';
import { leaseRedisDb, testRedisUrl, type RedisLease } from '../../utils/redis-lease';
import { waitUntil } from '../../utils/wait-until';
import { createTestDatabase, testServerUrl, type TestDatabase } from '../../utils/test-database';
import { createSchool, expectOk, textPrompt, type School } from './school.fixture';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// A policy change reaches every API process through the bus, not through a cache expiring: both APIs keep cached
// policies for an hour (POLICY_CACHE_MS), so a student's listing and prompt on api-2 can only follow a teacher's
// PATCH on api-1 because the change was announced. The waits are on facts (api-2's own answers), bounded far below
// that hour; how fast it is lives in the report (docs/school.md), not in an assertion.

const ROOT = path.resolve(__dirname, '..', '..', '..');
const enabled = !!testRedisUrl() && !!testServerUrl();
const describeMulti = enabled ? describe : describe.skip;
if (!enabled) {
  it.skip('policy across processes: skipped because REDIS_URL and DATABASE_URL are not both set', () => undefined);
}

jest.setTimeout(180_000);

function config(baseURL: string): string {
  return fakeProviderConfig(baseURL, {}, {}, { 'fake-cheap': { name: 'Cheap' } });
}

const primaries = async (http: Client) =>
  (expectOk(await http.get('/agent'), 200, 'agents') as { name: string; mode: string }[])
    .filter((a) => a.mode !== 'subagent')
    .map((a) => a.name)
    .sort()
    .join(',');

describeMulti('agent and model policy across two API processes', () => {
  let db: TestDatabase;
  let lease: RedisLease;
  let llm: FakeLlm;
  let dataDir: string;
  const adminKey = `oc_pol_${randomBytes(18).toString('base64url')}`;
  let api1: NodeProcess;
  let api2: NodeProcess;
  let url1: string;
  let url2: string;
  let school: School;

  async function startApi(name: string): Promise<[NodeProcess, string]> {
    const { proc, url } = await startApiProcess(name, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: lease.url,
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: '2000',
      BOOTSTRAP_API_KEY: adminKey,
      SANDBOX: 'off',
      OPENCODE_CONFIG_CONTENT: config(llm.openaiBaseUrl),
      POLICY_CACHE_MS: '3600000',
    });
    return [proc, url];
  }

  beforeAll(async () => {
    if (process.env.OC_TEST_SKIP_BUILD !== '1') {
      const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
    }
    llm = await FakeLlm.start({ chunkDelayMs: 0 });
    llm.setDefaultReply(reply().text('ok').stop());
    db = await createTestDatabase();
    lease = await leaseRedisDb(testRedisUrl()!);
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-pol-'));
    // One after the other: the first creates the bootstrap tenant, the second finds it.
    [api1, url1] = await startApi('api-1');
    [api2, url2] = await startApi('api-2');
    school = await createSchool(url1, adminKey);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([api1?.stop(), api2?.stop()]);
    await llm?.stop();
    await db?.close();
    await lease?.release();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("a teacher's PATCH on api-1 binds the student's next prompt on api-2, and lifting it frees them again", async () => {
    const student = client(url2, school.users.student.key);
    const teacher1 = client(url1, school.users.teacher.key);
    // api-2 has read (and cached) the class's policy: none yet.
    expect(await primaries(student)).toContain('build');
    const session = expectOk(await student.post('/session', { body: {} }), 200, 'session').id;
    const free = await student.post(`/session/${session}/message`, { body: { ...textPrompt('x'), agent: 'build' } });
    expect(expectOk(free, 200, 'before').info.agent).toBe('build');

    const settings = `/admin/classes/${school.classA}/settings`;
    const lock = {
      agents: ['tutor', 'plan'],
      default_agent: 'tutor',
      default_model: 'fake/fake-cheap',
      allow_change: false,
    };
    expectOk(await teacher1.patch(settings, { body: lock }), 200, 'lock on api-1');
    await waitUntil(
      'api-2 to list only the tutor',
      () => primaries(student),
      (v) => v === 'tutor',
      {
        timeoutMs: 30_000,
      },
    );
    const refused = await student.post(`/session/${session}/message`, {
      body: { ...textPrompt('x'), agent: 'build' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ name: 'ForbiddenError', data: { code: 'agent_locked', expected: 'tutor' } });
    const bare = await student.post(`/session/${session}/message`, { body: textPrompt('and now') });
    expect(expectOk(bare, 200, 'locked').info).toMatchObject({ agent: 'tutor', modelID: 'fake-cheap' });

    expectOk(await teacher1.patch(settings, { body: { allow_change: true } }), 200, 'unlock on api-1');
    await waitUntil(
      'api-2 to list tutor and plan',
      () => primaries(student),
      (v) => v === 'plan,tutor',
      {
        timeoutMs: 30_000,
      },
    );
    const plan = await student.post(`/session/${session}/message`, { body: { ...textPrompt('x'), agent: 'plan' } });
    expect(expectOk(plan, 200, 'unlocked').info.agent).toBe('plan');
  });

  it("the school's role policy (config role_access) set on api-1 applies on api-2", async () => {
    const student = await createUser(url1, school.users.admin.key, 'student');
    const on = client(url2, student.key);
    expect(await primaries(on)).toContain('build');
    const admin1 = client(url1, school.users.admin.key);
    const body = { role_access: { student: { agents: ['tutor'], allow_change: false } } };
    expectOk(await admin1.patch('/global/config', { body }), 200, 'school config on api-1');
    await waitUntil(
      'api-2 to keep students on the tutor',
      () => primaries(on),
      (v) => v === 'tutor',
      {
        timeoutMs: 30_000,
      },
    );
    const session = expectOk(await on.post('/session', { body: {} }), 200, 'session').id;
    const refused = await on.post(`/session/${session}/message`, { body: { ...textPrompt('x'), agent: 'build' } });
    expect(refused.status).toBe(403);
    expect(refused.body.data.source).toBe('school');
  });
});
