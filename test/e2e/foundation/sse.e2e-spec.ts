import { EventBus } from '../../../src/modules/event/event.bus';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { SseClient } from '../../utils/sse-client';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { createProject } from '../../utils/project';

// GET /event and /global/event: OpenCode's framing, our `id:` cursors, heartbeats, Last-Event-ID replay
// without gaps, ?sessionID= and ?directory= narrowing and per-role visibility.

let app: TestApp;
let school: TestTenant;
let project: { id: string; worktree: string };
const open: SseClient[] = [];

async function stream(route: string, opts: Parameters<typeof SseClient.open>[2]): Promise<SseClient> {
  const s = await SseClient.open(app.url, route, opts);
  open.push(s);
  await s.waitForType('server.connected', 5000);
  return s;
}

async function renameProject(name: string): Promise<void> {
  const res = await school.admin.http.patch(`/project/${project.id}`, { body: { name } });
  expect(res.status).toBe(200);
}

const updates = (s: SseClient) => s.frames.filter((f) => f.data?.type === 'project.updated');

beforeAll(async () => {
  app = await startTestApp({ HEARTBEAT_MS: '300' });
  school = await createTenant(app.url, app.adminKey);
  project = await createProject(school.admin.http, 'events');
});

afterEach(() => {
  for (const s of open.splice(0)) s.close();
});

afterAll(() => app?.close());

it('answers with an event stream whose first frame is server.connected', async () => {
  const s = await SseClient.open(app.url, '/event', { key: school.student.key });
  open.push(s);
  const first = await s.waitFor(() => true, 5000);
  expect(s.status).toBe(200);
  expect(s.headers['content-type']).toContain('text/event-stream');
  expect(s.headers['cache-control']).toContain('no-cache');
  expect(s.frames[0]).toBe(first);
  expect(first.data).toEqual({ id: expect.stringMatching(/^evt_/), type: 'server.connected', properties: {} });
});

it('refuses a stream without a key with a JSON 401', async () => {
  const s = await SseClient.open(app.url, '/event', {});
  open.push(s);
  await s.waitForEnd();
  expect(s.status).toBe(401);
  expect(JSON.parse(s.rawText)).toMatchObject({ name: 'UnauthorizedError' });
});

it('sends heartbeats every HEARTBEAT_MS', async () => {
  const s = await stream('/event', { key: school.teacher.key });
  await s.waitForType('server.heartbeat', 3000);
  await s.waitFor(() => s.frames.filter((f) => f.data.type === 'server.heartbeat').length >= 3, 3000);
  const beat = s.frames.find((f) => f.data.type === 'server.heartbeat')!;
  expect(beat.data).toEqual({ id: expect.stringMatching(/^evt_/), type: 'server.heartbeat', properties: {} });
});

it('frames each event as `id: <cursor>` + `data: {id, type, properties}`', async () => {
  const s = await stream('/event', { key: school.admin.key });
  await renameProject('framed');
  const f = await s.waitForType('project.updated', 5000);
  expect(f.id).toMatch(/^\d+-\d+$/);
  expect(f.raw).toBe(`id: ${f.id}\ndata: ${JSON.stringify(f.data)}`);
  expect(f.data).toEqual({
    id: expect.stringMatching(/^evt_/),
    type: 'project.updated',
    properties: expect.objectContaining({ id: project.id, name: 'framed', worktree: project.worktree }),
  });
  // The raw stream is only well-formed frames separated by blank lines.
  expect(s.rawText).toMatch(/^(?:(?:id: [^\n]+\n)?data: [^\n]+\n\n)+$/);
});

it('wraps /global/event frames as {directory, project, payload}', async () => {
  const s = await SseClient.open(app.url, '/global/event', { key: school.admin.key });
  open.push(s);
  const connected = await s.waitFor(() => true, 5000);
  expect(connected.data).toEqual({ payload: { id: expect.any(String), type: 'server.connected', properties: {} } });
  await renameProject('global');
  const f = await s.waitForType('project.updated', 5000);
  expect(f.id).toMatch(/^\d+-\d+$/);
  expect(f.data).toEqual({
    directory: expect.any(String),
    project: project.id,
    payload: expect.objectContaining({
      type: 'project.updated',
      properties: expect.objectContaining({ name: 'global' }),
    }),
  });
});

it('replays what a client missed after Last-Event-ID, without gaps or duplicates, then goes live', async () => {
  const first = await stream('/event', { key: school.admin.key });
  for (let i = 0; i < 3; i++) await renameProject(`before-${i}`);
  await first.waitFor(() => updates(first).length === 3, 5000);
  const cursor = updates(first)[2].id!;
  first.close();

  for (let i = 0; i < 4; i++) await renameProject(`missed-${i}`);
  const watcher = await stream('/event', { key: school.admin.key });
  await renameProject('watcher-sync');
  await watcher.waitFor(() => updates(watcher).length === 1, 5000);

  const resumed = await stream('/event', { key: school.admin.key, lastEventId: cursor });
  await resumed.waitFor(() => updates(resumed).length === 5, 5000);
  await renameProject('live');
  await resumed.waitFor(() => updates(resumed).length === 6, 5000);
  const names = updates(resumed).map((f) => f.data.properties.name);
  expect(names).toEqual(['missed-0', 'missed-1', 'missed-2', 'missed-3', 'watcher-sync', 'live']);
  const ids = updates(resumed).map((f) => f.id!);
  expect(new Set(ids).size).toBe(ids.length);
  // Cursors keep increasing across the replay/live boundary.
  const num = (id: string) => id.split('-').map(Number);
  for (let i = 1; i < ids.length; i++) {
    const [a0, a1] = num(ids[i - 1]);
    const [b0, b1] = num(ids[i]);
    expect(b0 > a0 || (b0 === a0 && b1 > a1)).toBe(true);
  }
  expect(resumed.frames[0].data.type).toBe('server.connected');
});

it('ignores a Last-Event-ID it cannot parse (no replay, still live)', async () => {
  const s = await stream('/event', { key: school.admin.key, lastEventId: 'garbage' });
  await renameProject('after-garbage');
  await s.waitForType('project.updated', 5000);
  expect(updates(s).map((f) => f.data.properties.name)).toEqual(['after-garbage']);
});

describe('narrowing and visibility (session events published on the bus)', () => {
  const publish = (sessionId: string, ownerId: string, n: number) =>
    app.running.app.get(EventBus).publish({
      tenantId: school.id,
      sessionId,
      ownerId,
      projectId: project.id,
      type: 'session.updated',
      properties: { info: { id: sessionId }, n },
    });

  it('narrows to one session with ?sessionID=', async () => {
    const only = await stream('/event', { key: school.admin.key, query: { sessionID: 'ses_one' } });
    const all = await stream('/event', { key: school.admin.key });
    publish('ses_two', school.student.id, 1);
    publish('ses_one', school.student.id, 2);
    await renameProject('not-a-session-event');
    publish('ses_one', school.student.id, 3);
    await all.waitFor((f) => f.data.properties?.n === 3, 5000);
    await only.waitFor((f) => f.data.properties?.n === 3, 5000);
    const sessionFrames = (s: SseClient) =>
      s.frames.filter((f) => f.data.type === 'session.updated').map((f) => f.data.properties.n);
    expect(sessionFrames(only)).toEqual([2, 3]);
    expect(sessionFrames(all)).toEqual([1, 2, 3]);
    expect(updates(only)).toEqual([]);
  });

  it("shows a student only their own sessions' events; admins see all", async () => {
    const student = await stream('/event', { key: school.student.key });
    const admin = await stream('/event', { key: school.admin.key });
    publish('ses_mine', school.student.id, 10);
    publish('ses_other', school.teacher.id, 11);
    publish('ses_mine', school.student.id, 12);
    await admin.waitFor((f) => f.data.properties?.n === 12, 5000);
    await student.waitFor((f) => f.data.properties?.n === 12, 5000);
    const ns = (s: SseClient) =>
      s.frames.filter((f) => f.data.type === 'session.updated').map((f) => f.data.properties.n);
    expect(ns(student)).toEqual([10, 12]);
    expect(ns(admin)).toEqual([10, 11, 12]);
  });

  it('narrows /event to the project named by ?directory=', async () => {
    const other = (await school.admin.http.get('/project/current', { query: { directory: 'elsewhere' } })).body;
    const s = await stream('/event', { key: school.admin.key, query: { directory: other.worktree } });
    app.running.app.get(EventBus).publish({
      tenantId: school.id,
      sessionId: 'ses_p',
      projectId: project.id,
      type: 'session.updated',
      properties: { n: 20 },
    });
    app.running.app.get(EventBus).publish({
      tenantId: school.id,
      sessionId: 'ses_q',
      projectId: other.id,
      type: 'session.updated',
      properties: { n: 21 },
    });
    await s.waitFor((f) => f.data.properties?.n === 21, 5000);
    expect(s.frames.filter((f) => f.data.type === 'session.updated').map((f) => f.data.properties.n)).toEqual([21]);
  });
});

it('closes open streams when the server shuts down', async () => {
  const own = await startTestApp();
  const t = await createTenant(own.url, own.adminKey);
  const s = await SseClient.open(own.url, '/event', { key: t.admin.key });
  await s.waitForType('server.connected');
  await own.close();
  await s.waitForEnd(5000);
  expect(s.isEnded).toBe(true);
}, 180_000);
