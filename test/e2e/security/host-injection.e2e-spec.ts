import fs from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Client as PgClient } from 'pg';
import { FindService } from '../../../src/modules/file/find.service';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { onHost } from '../../utils/host-path';
import { request } from '../../utils/http';
import { settles } from '../../utils/wait-until';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { createProject } from '../../utils/project';

// Issue 14 items 2 and 6 from the attacker's side, through HTTP: stored part fields that reach git's argv,
// and one tenant's hostile patterns and pages while another tenant's health checks keep answering.

let app: TestApp;
let llm: FakeLlm;
let a: TestTenant;
let pages: http.Server;
let pagesPort: number;
let trap: string;
jest.setTimeout(480_000);

const HOSTILE_PAGES: Record<string, string> = {
  '/scripts': '<html><body>' + '<script>'.repeat(200_000),
  '/tags': '<html><body>' + '<a'.repeat(400_000),
  '/comments': '<html><body>' + '<!--'.repeat(200_000),
  '/deep': '<html><body>' + '<div>'.repeat(100_000) + 'deep' + '</div>'.repeat(100_000),
};

beforeAll(async () => {
  pages = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(HOSTILE_PAGES[req.url ?? ''] ?? '<p>ok</p>');
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  pagesPort = (pages.address() as AddressInfo).port;
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('done').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    EGRESS_ALLOW: `127.0.0.1:${pagesPort}`,
  });
  a = await createTenant(app.url, app.adminKey);
  trap = await fs.mkdtemp(path.join(app.dataDir, 'trap-'));
}, 180_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  await new Promise((r) => pages?.close(r));
});

/** One model turn calling the given tools (every permission allowed); returns the session and its messages. */
async function turn(
  user: TestUser,
  calls: [string, Record<string, unknown>][],
): Promise<{ id: string; directory: string; messages: any[] }> {
  const s = await user.http.post('/session', {
    body: { permission: [{ permission: '*', pattern: '*', action: 'allow' }] },
  });
  expect(s.status).toBe(200);
  let r = reply();
  calls.forEach(([tool, input], i) => (r = r.tool(tool, input, { id: `call_${i}` })));
  llm.enqueueWhen(isChat, r.stop());
  const res = await user.http.post(`/session/${s.body.id}/message`, {
    body: { parts: [{ type: 'text', text: 'go' }] },
  });
  if (res.status !== 200) throw new Error(`prompt answered ${res.status}: ${JSON.stringify(res.body).slice(0, 500)}`);
  const messages = (await user.http.get(`/session/${s.body.id}/message`)).body as any[];
  return { id: s.body.id, directory: onHost(app, s.body.directory), messages };
}

async function tamper(partId: string, change: Record<string, unknown>): Promise<void> {
  const pg = new PgClient({ connectionString: app.config.databaseUrl });
  await pg.connect();
  try {
    await pg.query(`UPDATE "Part" SET data = data || $2::jsonb WHERE id = $1`, [partId, JSON.stringify(change)]);
  } finally {
    await pg.end();
  }
}

describe('stored part fields never reach git as options or outside paths', () => {
  it('PATCH cannot change server-owned fields, and tampered rows are refused by revert before git runs', async () => {
    const user = a.student;
    const { id, directory, messages } = await turn(user, [['write', { filePath: 'notes.txt', content: 'v2\n' }]]);
    const parts = messages.flatMap((m) => m.parts);
    const finish = parts.find((p: any) => p.type === 'step-finish');
    const patch = parts.find((p: any) => p.type === 'patch');
    const text = messages[0].parts.find((p: any) => p.type === 'text');
    expect(patch.hash).toMatch(/^[0-9a-f]{40}$/);

    const patchPart = (part: any, change: Record<string, unknown>) =>
      user.http.patch(`/session/${id}/message/${part.messageID}/part/${part.id}`, { body: { ...part, ...change } });
    for (const [part, change] of [
      [finish, { snapshot: `--output=${trap}/finish` }],
      [finish, { tokens: { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } }, cost: 0 }],
      [patch, { hash: `-c core.pager=touch ${trap}/pager` }],
      [patch, { files: ['../../../../etc/passwd', `--output=${trap}/files`] }],
    ] as [any, Record<string, unknown>][]) {
      const res = await patchPart(part, change);
      expect(res.status).toBe(400);
      expect(res.body.name).toBe('BadRequest');
      expect(res.body.data.code).toBe('part_field_read_only');
    }
    const edited = await patchPart(text, { text: 'edited by the student' });
    expect(edited.status).toBe(200);
    expect(edited.body.text).toBe('edited by the student');

    // A row changed behind the API's back (or written by an older version): the revert refuses it whole.
    const outside = path.join(path.dirname(directory), 'outside.txt');
    await fs.writeFile(outside, 'keep\n');
    for (const hash of [`--output=${trap}/pwned`, '-p', 'HEAD', `${patch.hash}\n--output=${trap}/nl`]) {
      await tamper(patch.id, { hash });
      const res = await user.http.post(`/session/${id}/revert`, { body: { messageID: messages[1].info.id } });
      expect(res.status).toBe(400);
      expect(res.body.data.code).toBe('snapshot_invalid_object_id');
    }
    // A valid hash with option- and path-shaped file names: only workspace files are touched.
    await tamper(patch.id, {
      hash: patch.hash,
      files: [`--output=${trap}/f`, '-c', '../outside.txt', outside, '/etc/passwd', path.join(directory, 'notes.txt')],
    });
    const reverted = await user.http.post(`/session/${id}/revert`, { body: { messageID: messages[1].info.id } });
    expect(reverted.status).toBe(200);
    await expect(fs.access(path.join(directory, 'notes.txt'))).rejects.toThrow();
    expect(await fs.readFile(outside, 'utf8')).toBe('keep\n');
    expect(await fs.readdir(trap)).toEqual([]);
  });
});

describe('no request stalls other tenants', () => {
  it('/global/health keeps answering while one tenant sends catastrophic regexes, globs, ignore lines and HTML', async () => {
    const root = onHost(app, (await createProject(a.student.http)).worktree);
    const long = 'a'.repeat(20_000) + '!';
    for (let i = 0; i < 4; i++) await fs.writeFile(path.join(root, `long-${i}.txt`), `${long}\n`.repeat(10));
    const deep = path.join(root, ...Array(40).fill('a'));
    await fs.mkdir(deep, { recursive: true });
    await fs.writeFile(path.join(deep, 'a'.repeat(200)), 'x');
    // At the matcher's bounds (16 wildcards a line) and past them (dropped), 1,000 lines.
    const ignoreLines = [
      `${'**/a/'.repeat(16)}b`,
      `${'*a'.repeat(15)}*b`,
      `**/${'*a'.repeat(14)}*b/`,
      `${'*a'.repeat(40)}*b`,
    ];
    await fs.writeFile(
      path.join(root, '.gitignore'),
      Array.from({ length: 1000 }, (_, i) => ignoreLines[i % ignoreLines.length] + '\n').join(''),
    );

    const stars = `${'*a'.repeat(15)}*b`;
    const student = a.student.http;
    const hostile: [string, () => Promise<unknown>][] = [
      ['/find (^(a+)+$)', () => student.get('/find', { query: { pattern: '^(a+)+$' } })],
      ['/find ((a|aa)+!b)', () => student.get('/find', { query: { pattern: '(a|aa)+!b' } })],
      ['/find/file', () => student.get('/find/file', { query: { query: 'a'.repeat(50) } })],
      ['/file', () => student.get('/file', { query: { path: '.' } })],
      ['/file deep', () => student.get('/file', { query: { path: Array(40).fill('a').join('/') } })],
      ['grep tool', () => turn(a.student, [['grep', { pattern: '^(a+)+$' }]])],
      [
        'glob tool',
        () =>
          turn(a.student, [
            ['glob', { pattern: stars }],
            ['glob', { pattern: `${'**/a/'.repeat(16)}b` }],
            ['glob', { pattern: `${'*a'.repeat(40)}*b` }],
          ]),
      ],
      ['list tool', () => turn(a.student, [['list', { path: '.', ignore: [stars, `${'**/a/'.repeat(16)}b`] }]])],
      ...Object.keys(HOSTILE_PAGES).map(
        (p) =>
          [
            `webfetch ${p}`,
            () =>
              turn(a.student, [
                ['webfetch', { url: `http://127.0.0.1:${pagesPort}${p}`, format: 'markdown' }],
                ['webfetch', { url: `http://127.0.0.1:${pagesPort}${p}`, format: 'text' }],
              ]),
          ] as [string, () => Promise<unknown>],
      ),
    ];

    const measure = async (label: string) => {
      const latencies: number[] = [];
      let done = false;
      const probe = (async () => {
        while (!done) {
          const started = performance.now();
          // A stall guard, not a timing: a catastrophic pattern holds the loop for minutes, so a probe that does not
          // settle within the bound is a hang; how long the probes took is the figure printed below.
          const res = await settles(
            'GET /global/health beside the hostile requests',
            request(app.url, 'GET', '/global/health'),
          );
          latencies.push(performance.now() - started);
          expect(res.status).toBe(200);
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      // Each hostile request alone, for how long it holds the event loop; the health probe runs throughout.
      const holds: string[] = [];
      for (const [name, send] of hostile) {
        const delay = monitorEventLoopDelay({ resolution: 10 });
        delay.enable();
        const started = performance.now();
        await send();
        delay.disable();
        holds.push(
          `${name}: ${(delay.max / 1e6).toFixed(0)} ms max loop delay (${(performance.now() - started).toFixed(0)} ms)`,
        );
        process.stdout.write(`${label} ${holds.at(-1)}\n`);
      }
      done = true;
      await probe;
      const worstHealth = Math.max(...latencies);
      // Figures for the closing note (how long the worst hostile request holds the event loop).
      console.log(
        `${label}: /global/health worst ${worstHealth.toFixed(0)} ms over ${latencies.length} probes\n${holds.join('\n')}`,
      );
      // The probe loop starts its first request before the hostile ones: at least one answered beside them.
      expect(latencies.length).toBeGreaterThan(0);
    };

    const find = app.running.app.get(FindService, { strict: false });
    const rgPath = find.rgPath;
    await measure(`with ${rgPath ? 'ripgrep' : 'no ripgrep'}`);
    if (rgPath) {
      // The built-in fallback (no ripgrep installed) must be bounded too.
      find.rgPath = undefined;
      try {
        await measure('JS fallback for /find');
      } finally {
        find.rgPath = rgPath;
      }
    }
  });
});
