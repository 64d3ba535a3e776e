import fc from 'fast-check';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, createUser, type TestTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { request, type Client } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { HOSTILE_SEGMENTS, inputArb, send, validObject, type FuzzInput, type RawResult, type Who } from './bad-input';
import { isSkipped, operationsOf, type Operation } from './operations';

// Property-based fuzzing of every operation in the live OpenAPI document: generated invalid bodies, path
// parameters, query values, headers and keys. Every answer must be < 500, every 4xx JSON answer must carry
// OpenCode's error body {name, data: {message}}, and the data stored before the run must read the same after.
// Two deterministic sweeps follow: every fixed hostile segment and every real id of the other tenant in every path
// parameter, and a NUL character in every string field and query parameter (Postgres refuses NUL in text).
// FUZZ_RUNS (inputs per operation, default 20), FUZZ_MIN_RUNS (at least this many per operation, default 3),
// FUZZ_BUDGET_MS (whole run, default 180 s), FUZZ_SEED. The budget only decides how many inputs beyond the minimum
// each operation gets (from the time an input has taken so far): a loaded machine fuzzes less, never fails for it.

const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const MIN_RUNS = Math.min(RUNS, Number(process.env.FUZZ_MIN_RUNS ?? 3));
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_MS ?? 180_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const REQUEST_TIMEOUT_MS = 20_000;

let app: TestApp;
let llm: FakeLlm;
let a: TestTenant;
let b: TestTenant;
const seeded = { a: {} as Seed, b: {} as Seed };

interface Seed {
  sessionId: string;
  messageIds: string[];
  projectId: string;
  userId: string;
  keyId: string;
}

function ok<T extends { status: number; text: string }>(res: T, what: string): T {
  if (res.status >= 300) throw new Error(`${what}: HTTP ${res.status}: ${res.text}`);
  return res;
}

/** A session with two noReply messages, a project, a user with a key: what the fuzz run must leave alone. */
async function seed(t: TestTenant, label: string): Promise<Seed> {
  const as = t.admin.http;
  const project = ok(await as.get('/project/current', { query: { directory: `fuzz-${label}` } }), 'project');
  const session = ok(
    await as.post('/session', {
      body: { title: `fuzz seed ${label}` },
      headers: { 'x-opencode-directory': `fuzz-${label}` },
    }),
    'session',
  );
  const messageIds: string[] = [];
  for (const text of ['first stored message', 'second stored message']) {
    const msg = ok(
      await as.post(`/session/${session.body.id}/message`, {
        body: { noReply: true, parts: [{ type: 'text', text }] },
      }),
      'noReply prompt',
    );
    messageIds.push(msg.body.info.id);
  }
  const user = await createUser(app.url, t.admin.key, 'teacher', `fuzz keeper ${label}`);
  const keys = ok(await as.get('/admin/keys', { query: { userId: user.id } }), 'keys');
  return {
    sessionId: session.body.id,
    messageIds,
    projectId: project.body.id,
    userId: user.id,
    keyId: keys.body[0].id,
  };
}

/** The stored data, read back through the API (lastUsedAt changes on every authenticated read). */
async function storedState(t: TestTenant, s: Seed) {
  const as: Client = t.admin.http;
  const [tenant, session, messages, user, keys, projects] = await Promise.all([
    as.get('/admin/tenants/current'),
    as.get(`/session/${s.sessionId}`),
    as.get(`/session/${s.sessionId}/message`),
    as.get(`/admin/users/${s.userId}`),
    as.get('/admin/keys', { query: { userId: s.userId } }),
    as.get('/project'),
  ]);
  return {
    // updatedAt left out: DELETE /admin/jwt, a valid call with no input to get wrong, rewrites the settings row.
    tenant: [tenant.status, { ...tenant.body, updatedAt: undefined }],
    session: [session.status, session.body],
    messages: [messages.status, messages.body],
    user: [user.status, user.body],
    key: [
      keys.status,
      (keys.body as any[]).filter((k) => k.id === s.keyId).map((k) => ({ ...k, lastUsedAt: undefined })),
    ],
    project: [projects.status, (projects.body as any[]).find((p) => p.id === s.projectId)],
  };
}

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('Fuzz answer.').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: 'off',
    // The sweeps send thousands of requests as one school admin within a minute; the per-user request limit (its own
    // spec: abuse-limits.e2e-spec.ts) would answer them 429 and hide what each operation does with bad input.
    LIMIT_REQUESTS_PER_MINUTE: '100000',
  });
  [a, b] = await Promise.all([createTenant(app.url, app.adminKey), createTenant(app.url, app.adminKey)]);
  [seeded.a, seeded.b] = await Promise.all([seed(a, 'a'), seed(b, 'b')]);
  const doc = await request(app.url, 'GET', '/doc');
  expect(doc.status).toBe(200);
  allOps = operationsOf(doc.body, app.running.app);
  ops = allOps.filter((op) => !isSkipped(op.path));
  before = await bothStates();
}, 300_000);

let allOps: Operation[];
let ops: Operation[];
let before: Awaited<ReturnType<typeof bothStates>>;

async function bothStates() {
  return { a: await storedState(a, seeded.a), b: await storedState(b, seeded.b) };
}

afterAll(async () => {
  await app?.close();
  await llm?.stop();
});

interface Violation {
  op: string;
  input: FuzzInput;
  result: RawResult;
  why: string;
}

function errorBodyProblem(res: RawResult): string | undefined {
  if (res.status === 0) return `no answer within ${REQUEST_TIMEOUT_MS} ms (${res.text})`;
  if (res.status >= 500) return `HTTP ${res.status}`;
  if (res.status < 400 || !res.contentType.includes('json')) return undefined;
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    return 'a 4xx JSON answer that is not JSON';
  }
  if (typeof body?.name !== 'string' || typeof body?.data?.message !== 'string')
    return 'a 4xx JSON answer without {name, data: {message}}';
  if (/at \w+ \(|node_modules|\.ts:\d+/.test(res.text)) return 'a stack trace in the error body';
  return undefined;
}

it('answers every generated bad input on every operation with a 4xx error body, never a 5xx, and loses nothing', async () => {
  expect(ops.length).toBeGreaterThan(50);
  const auth: Record<Who, () => string | undefined> = {
    admin: () => `Bearer ${a.admin.key}`,
    student: () => `Bearer ${a.student.key}`,
    none: () => undefined,
    garbage: () =>
      [
        'Bearer nope',
        `Bearer ${a.admin.key}x`,
        'Basic %%%',
        `Basic ${Buffer.from('u:wrong').toString('base64')}`,
        'Token abc',
        'Bearer ',
      ][Math.floor(Math.random() * 6)],
  };
  const hostile = {
    foreignIds: [
      b.id,
      b.admin.id,
      b.student.id,
      seeded.b.sessionId,
      ...seeded.b.messageIds,
      seeded.b.projectId,
      seeded.b.userId,
      seeded.b.keyId,
      b.slug,
    ],
  };

  const counts = { operations: ops.length, inputs: 0, s2xx: 0, s3xx: 0, s4xx: 0, s5xx: 0, noAnswer: 0, notSent: 0 };
  const byStatus = new Map<number, number>();
  const violations: Violation[] = [];
  const changes: string[] = [];
  let refusedExample = '';
  let last = before;
  const started = Date.now();
  let tried = 0;
  for (const [i, op] of ops.entries()) {
    // Not fast-check's interruptAfterTimeLimit: an operation interrupted before its first input fails the property
    // (what a loaded machine did to the last operations once the budget was spent).
    const msPerInput = tried ? (Date.now() - started) / tried : 0;
    const perOpMs = (BUDGET_MS - (Date.now() - started)) / (ops.length - i);
    const runs = msPerInput ? Math.min(RUNS, Math.max(MIN_RUNS, Math.floor(perOpMs / msPerInput))) : RUNS;
    const name = `${op.method} ${op.path}`;
    await fc.assert(
      fc.asyncProperty(inputArb(op, hostile), async (input) => {
        tried++;
        const res = await send(app.url, op.method, input, auth[input.who](), REQUEST_TIMEOUT_MS);
        if (res.status === -1) {
          if (!counts.notSent) refusedExample = `${name} ${input.path}: ${res.text}`;
          counts.notSent++;
          return;
        }
        counts.inputs++;
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        if (res.status === 0) counts.noAnswer++;
        else if (res.status >= 500) counts.s5xx++;
        else if (res.status >= 400) counts.s4xx++;
        else if (res.status >= 300) counts.s3xx++;
        else counts.s2xx++;
        const why = errorBodyProblem(res);
        if (why) violations.push({ op: name, input, result: { ...res, text: res.text.slice(0, 400) }, why });
      }),
      {
        numRuns: runs,
        seed: SEED + i,
        endOnFailure: true,
      },
    );
    // Checked after every operation, so a change is pinned on the operation that made it.
    const now = await bothStates();
    const changed = (['a', 'b'] as const).flatMap((t) =>
      Object.keys(now[t])
        .filter(
          (k) => JSON.stringify(now[t][k as keyof typeof now.a]) !== JSON.stringify(last[t][k as keyof typeof now.a]),
        )
        .map((k) => `${t}.${k}`),
    );
    if (changed.length) changes.push(`${name} changed ${changed.join(', ')}`);
    last = now;
  }
  const elapsed = Date.now() - started;

  const after = await bothStates();
  const statuses = [...byStatus.entries()]
    .sort(([x], [y]) => x - y)
    .map(([s, n]) => `${s}×${n}`)
    .join(' ');
  process.stdout.write(
    `\nfuzz: seed ${SEED}, ${MIN_RUNS}-${RUNS} runs/operation, ${(elapsed / 1000).toFixed(1)} s\n` +
      `fuzz: operations ${counts.operations} (of ${allOps.length} in /doc; SSE and queue UI skipped), inputs tried ${counts.inputs}, ` +
      `2xx ${counts.s2xx}, 3xx ${counts.s3xx}, 4xx seen ${counts.s4xx}, 5xx seen ${counts.s5xx}, no answer ${counts.noAnswer}, refused by the client ${counts.notSent}\n` +
      `fuzz: shapes: ${ops.filter((o) => o.body?.fields.length).length} operations with a body DTO, ${ops.filter((o) => o.queryParams.length).length} with query parameters, ${ops.filter((o) => o.pathParams.length).length} with path parameters\n` +
      `fuzz: statuses ${statuses}\n` +
      (refusedExample ? `fuzz: refused by node:http itself, e.g. ${refusedExample.slice(0, 300)}\n` : '') +
      violations
        .slice(0, 40)
        .map(
          (v) =>
            `fuzz: VIOLATION ${v.why} on ${v.op} [${v.input.kind}] ${v.input.who} ${v.input.path}?${v.input.query} headers=${JSON.stringify(v.input.headers)} body=${(v.input.body ?? '').slice(0, 200)} → ${v.result.text.slice(0, 200)}\n`,
        )
        .join('') +
      changes.map((c) => `fuzz: STORED DATA ${c}\n`).join(''),
  );

  expect(
    violations.map(
      (v) =>
        `${v.why} on ${v.op} [${v.input.kind}] ${v.input.path}?${v.input.query} body=${(v.input.body ?? '').slice(0, 120)}`,
    ),
  ).toEqual([]);
  expect(counts.s5xx).toBe(0);
  expect(counts.inputs).toBeGreaterThan(ops.length);
  expect(changes).toEqual([]);
  expect(after).toEqual(before);
}, 900_000);

it('answers every fixed hostile path segment below 500, and every real id of another tenant with a 4xx, in every path parameter', async () => {
  const foreign = [
    b.id,
    b.admin.id,
    b.student.id,
    seeded.b.sessionId,
    ...seeded.b.messageIds,
    seeded.b.projectId,
    seeded.b.userId,
    seeded.b.keyId,
  ];
  const withParams = ops.filter((op) => op.pathParams.length);
  const problems: string[] = [];
  const accepted: string[] = [];
  let sent = 0;
  for (const op of withParams) {
    for (const segment of [...HOSTILE_SEGMENTS, ...foreign]) {
      const input: FuzzInput = {
        who: 'admin',
        path: op.path.replace(/\{[^}]+\}/g, segment),
        query: '',
        headers: {},
        kind: 'path-sweep',
      };
      if (op.hasBody) Object.assign(input, { body: '{}', headers: { 'content-type': 'application/json' } });
      const res = await send(app.url, op.method, input, `Bearer ${a.admin.key}`, REQUEST_TIMEOUT_MS);
      sent++;
      const why = errorBodyProblem(res);
      if (why) problems.push(`${why} on ${op.method} ${input.path.slice(0, 120)} → ${res.text.slice(0, 160)}`);
      if (res.status < 300) accepted.push(`${op.method} ${op.path} with ${segment.slice(0, 40)} → ${res.status}`);
      // Another tenant's real id never reaches its object: cross-tenant access is refused (404, or 403 by role).
      if (foreign.includes(segment) && res.status < 400)
        problems.push(`another tenant's id answered ${res.status} on ${op.method} ${op.path}`);
    }
  }
  process.stdout.write(
    `\nfuzz: path sweep: ${withParams.length} operations with path parameters, ${sent} requests, ${problems.length} problems, ${accepted.length} answered 2xx\n` +
      accepted.map((x) => `fuzz: 2xx ${x}\n`).join(''),
  );
  expect(problems).toEqual([]);
  expect(await bothStates()).toEqual(before);
}, 600_000);

it('answers a NUL character in every string body field and every query parameter with a 4xx, not a database error', async () => {
  const problems: string[] = [];
  let sent = 0;
  let refusedAsNul = 0;
  const nulled = (v: unknown): unknown =>
    typeof v === 'string'
      ? `a\u0000${v}`
      : Array.isArray(v)
        ? v.map(nulled)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, nulled(x)]))
          : v;
  for (const op of ops) {
    const path = op.path.replace(/\{[^}]+\}/g, 'x');
    const inputs: FuzzInput[] = op.queryParams.map((q) => ({
      who: 'admin',
      path,
      query: `${encodeURIComponent(q)}=a%00b`,
      headers: {},
      kind: 'query-nul',
    }));
    if (op.body?.fields.length) {
      const all: Record<string, unknown> = {};
      for (const f of op.body.fields)
        all[f.name] = validObject({ name: f.name, fields: [{ ...f, optional: false }] })[f.name];
      inputs.push({
        who: 'admin',
        path,
        query: '',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(nulled(all)),
        kind: 'body-nul',
      });
    }
    for (const input of inputs) {
      const res = await send(app.url, op.method, input, `Bearer ${a.admin.key}`, REQUEST_TIMEOUT_MS);
      sent++;
      if (res.status >= 400 && res.status < 500 && res.text.includes('NUL')) refusedAsNul++;
      const why = errorBodyProblem(res);
      if (why)
        problems.push(
          `${why} on ${op.method} ${input.path}?${input.query} body=${(input.body ?? '').slice(0, 160)} → ${res.text.slice(0, 160)}`,
        );
    }
  }
  process.stdout.write(
    `\nfuzz: NUL sweep: ${sent} requests, ${refusedAsNul} refused as NUL text by the database mapping, ${problems.length} problems\n`,
  );
  expect(problems).toEqual([]);
  expect(await bothStates()).toEqual(before);
}, 600_000);
