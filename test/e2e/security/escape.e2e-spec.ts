import fs from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { createTenant, type TestTenant, type TestUser } from '../../factories/tenant.factory';
import { SandboxRunner } from '../../../src/modules/sandbox/sandbox-runner.service';
import { onHost } from '../../utils/host-path';
import { client, request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { isChat } from '../agent/kit';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { createProject } from '../../utils/project';

// Escape attempts through the HTTP routes and through the agent loop, with the real bubblewrap sandbox and
// every permission set to allow: whatever stops them is the workspace and the sandbox, not a permission prompt.

let app: TestApp;
let llm: FakeLlm;
let a: TestTenant;
let b: TestTenant;
let aRoot: string;
let bRoot: string;
let canary: http.Server;
let canaryHits = 0;
let canaryPort: number;
const SECRET = 'B-TENANT-SECRET-7f3a';

async function userShell(user: TestUser, command: string): Promise<string> {
  const s = await user.http.post('/session', { body: {} });
  const res = await user.http.post(`/session/${s.body.id}/shell`, { body: { agent: 'build', command } });
  expect(res.status).toBe(200);
  return res.body.parts[0].state.output as string;
}

type Call = [tool: string, input: Record<string, unknown>];

/** One model turn calling every tool given; returns the tool parts in call order. */
async function loop(user: TestUser, calls: Call[]): Promise<any[]> {
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
  expect(res.status).toBe(200);
  const msgs = (await user.http.get(`/session/${s.body.id}/message`)).body as any[];
  const parts = msgs.flatMap((m) => m.parts).filter((p: any) => p.type === 'tool');
  return calls.map((_, i) => parts.find((p: any) => p.callID === `call_${i}`));
}

function refused(
  part: any,
  message: RegExp = /outside|refused|not allowed|denied|blocked|private|loopback|link/i,
): void {
  expect(part).toBeDefined();
  expect([part.tool, part.state.status]).toEqual([part.tool, 'error']);
  expect(part.state.error).toMatch(message);
}

function output(part: any): string {
  expect(part.state.status).toBe('completed');
  return part.state.output as string;
}

beforeAll(async () => {
  canary = http.createServer((_, res) => {
    canaryHits++;
    res.end('canary reached');
  });
  await new Promise<void>((r) => canary.listen(0, '127.0.0.1', r));
  canaryPort = (canary.address() as AddressInfo).port;
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('done').stop());
  app = await startTestApp({ OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl), SANDBOX: 'required' });
  a = await createTenant(app.url, app.adminKey);
  b = await createTenant(app.url, app.adminKey);
  // The host paths: what an attacker who guessed the layout would try (the API shows neither).
  aRoot = onHost(app, (await createProject(a.student.http)).worktree);
  bRoot = onHost(app, (await createProject(b.student.http)).worktree);
  await fs.writeFile(path.join(bRoot, 'secret.txt'), `${SECRET}\n`);
  await fs.writeFile(path.join(aRoot, 'README.md'), '# mine\n');
  // Links made by the student's own command, inside their workspace.
  await userShell(
    a.student,
    `ln -s /etc/passwd link-passwd; ln -s / rootlink; ln -s ${bRoot} blink; ln -s /proc/self/environ envlink; echo inside > orig.txt; ln orig.txt hardlink.txt; echo ok`,
  );
}, 120_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  await new Promise((r) => canary?.close(r));
});

describe('escape attempts through the HTTP routes', () => {
  const forbidden: [string, Record<string, string>][] = [
    ['/file/content', { path: '../../../../etc/passwd' }],
    ['/file/content', { path: '/etc/passwd' }],
    ['/file/content', { path: '/proc/self/environ' }],
    ['/file/content', { path: 'link-passwd' }],
    ['/file/content', { path: 'envlink' }],
    ['/file/content', { path: 'rootlink/etc/hostname' }],
    ['/file/content', { path: 'blink/secret.txt' }],
    ['/file/content', { path: 'hardlink.txt' }],
    ['/file', { path: '../..' }],
    ['/file', { path: '/' }],
    ['/file', { path: 'rootlink' }],
    ['/file', { path: 'blink' }],
  ];
  it.each(forbidden)('%s %j is refused with 403', async (route, query) => {
    const res = await a.student.http.get(route, { query });
    expect(res.status).toBe(403);
    expect(res.body.name).toBe('ForbiddenError');
    expect(res.text).not.toContain(SECRET);
    expect(res.text).not.toContain('root:x:0:0');
  });

  it("the absolute path of the other tenant's file is refused", async () => {
    const res = await a.student.http.get('/file/content', { query: { path: path.join(bRoot, 'secret.txt') } });
    expect(res.status).toBe(403);
  });

  it('a listing shows no link that leads out of the workspace', async () => {
    const names = (await a.student.http.get('/file')).body.map((n: any) => n.name);
    expect(names).toEqual(expect.arrayContaining(['README.md', 'orig.txt']));
    expect(names).not.toEqual(expect.arrayContaining(['rootlink']));
    expect(names).not.toContain('blink');
    expect(names).not.toContain('link-passwd');
  });

  it.each(['/file', '/file/status', '/find/file', '/vcs', '/vcs/status'])(
    "%s with another tenant's worktree as ?directory= is 404",
    async (route) => {
      const res = await a.student.http.get(route, { query: { directory: bRoot, query: 'secret', path: '' } });
      expect(res.status).toBe(404);
      expect(res.text).not.toContain(SECRET);
    },
  );

  it('?directory= with traversal is refused, not resolved', async () => {
    for (const directory of ['../..', `${aRoot}/../../${b.id}`]) {
      const res = await a.student.http.get('/file', { query: { directory } });
      expect([400, 404]).toContain(res.status);
    }
  });

  it("/find does not follow links into the other tenant's workspace, and /find/file does not list it", async () => {
    const found = await a.student.http.get('/find', { query: { pattern: SECRET } });
    expect(found.status).toBe(200);
    expect(found.body).toEqual([]);
    const files = await a.student.http.get('/find/file', { query: { query: 'secret' } });
    expect(files.body).toEqual([]);
    const passwd = await a.student.http.get('/find', { query: { pattern: 'root:x:0' } });
    expect(passwd.body).toEqual([]);
    for (const query of ['../', '../../etc/passwd', '/etc/passwd']) {
      const res = await a.student.http.get('/find/file', { query: { query } });
      expect(res.status).toBe(200);
      expect(res.body.every((p: string) => !p.startsWith('..') && !p.startsWith('/'))).toBe(true);
    }
  });

  it('a user shell cannot see the other workspace, the server env or local services', async () => {
    const out = await userShell(
      a.student,
      `cat ${bRoot}/secret.txt 2>&1; cat /proc/self/environ | tr '\\0' '\\n'; cat /proc/1/environ 2>&1 | tr '\\0' '\\n'; (echo > /dev/tcp/127.0.0.1/5432) 2>/dev/null && echo PG-OPEN; (echo > /dev/tcp/127.0.0.1/${canaryPort}) 2>/dev/null && echo CANARY-OPEN; echo END`,
    );
    expect(out).toContain('END');
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(app.adminKey);
    expect(out).not.toMatch(/DATABASE_URL|BOOTSTRAP_API_KEY|REDIS_URL/);
    expect(out).not.toContain('PG-OPEN');
    expect(out).not.toContain('CANARY-OPEN');
  });
});

describe('escape attempts through the agent loop', () => {
  it('file tools refuse traversal, absolute paths, /proc, symlinks, hard links and the other tenant', async () => {
    const outside = path.join(path.dirname(aRoot), `escape-${Date.now()}.txt`);
    const parts = await loop(a.student, [
      ['read', { filePath: '../../../../etc/passwd' }],
      ['read', { filePath: '/proc/self/environ' }],
      ['read', { filePath: path.join(bRoot, 'secret.txt') }],
      ['read', { filePath: 'blink/secret.txt' }],
      ['read', { filePath: 'hardlink.txt' }],
      ['write', { filePath: '../escape.txt', content: 'x' }],
      ['write', { filePath: outside, content: 'x' }],
      ['write', { filePath: 'blink/planted.txt', content: 'x' }],
      ['edit', { filePath: 'link-passwd', oldString: 'root', newString: 'toor' }],
      ['edit', { filePath: path.join(bRoot, 'secret.txt'), oldString: SECRET, newString: 'gone' }],
      ['glob', { pattern: '**/*', path: '/etc' }],
      ['grep', { pattern: 'root', path: '../..' }],
      ['list', { path: '/' }],
      ['list', { path: 'rootlink' }],
      ['grep', { pattern: SECRET, path: '.' }],
      ['glob', { pattern: '**/secret*' }],
      ['read', { filePath: 'README.md' }],
      ['write', { filePath: 'notes/new.txt', content: 'hello\n' }],
      ['edit', { filePath: 'README.md', oldString: '# mine', newString: '# edited' }],
      ['list', { path: '.' }],
    ]);
    for (const p of parts.slice(0, 14)) refused(p, /outside|refused|link|denied|not allowed|not found|no such/i);
    expect(output(parts[14])).not.toContain(SECRET);
    expect(output(parts[15])).not.toContain('secret.txt');
    expect(output(parts[16])).toContain('# mine');
    expect(parts[17].state.status).toBe('completed');
    expect(parts[18].state.status).toBe('completed');
    expect(output(parts[19])).toContain('README.md');
    await expect(fs.stat(outside)).rejects.toThrow();
    await expect(fs.stat(path.join(path.dirname(aRoot), 'escape.txt'))).rejects.toThrow();
    await expect(fs.stat(path.join(bRoot, 'planted.txt'))).rejects.toThrow();
    expect(await fs.readFile(path.join(bRoot, 'secret.txt'), 'utf8')).toBe(`${SECRET}\n`);
    expect(await fs.readFile('/etc/passwd', 'utf8')).toMatch(/^root:/);
    expect(await fs.readFile(path.join(aRoot, 'README.md'), 'utf8')).toBe('# edited\n');
  }, 120_000);

  it('bash: no other workspace, no server env, no network, and fork bombs, floods and sleeps are contained', async () => {
    const parts = await loop(a.student, [
      [
        'bash',
        { command: `cat ${bRoot}/secret.txt; ls ${path.dirname(bRoot)}; echo END`, description: 'read other tenant' },
      ],
      ['bash', { command: "tr '\\0' '\\n' < /proc/self/environ; echo END", description: 'env' }],
      [
        'bash',
        {
          command: `(echo > /dev/tcp/127.0.0.1/5432) 2>&1 && echo PG-OPEN; (echo > /dev/tcp/127.0.0.1/6379) 2>&1 && echo REDIS-OPEN; echo END`,
          description: 'net',
        },
      ],
      [
        'bash',
        {
          command: `curl -sS -m 3 http://127.0.0.1:${canaryPort}/ 2>&1 || wget -q -T 3 -O- http://127.0.0.1:${canaryPort}/ 2>&1; echo END`,
          description: 'curl',
        },
      ],
      [
        'bash',
        {
          command: 'ln -s /etc/shadow shadowlink; cat shadowlink 2>&1; echo > /etc/hostname 2>&1; echo END',
          description: 'system files',
        },
      ],
      ['bash', { command: ':(){ :|:& };:', description: 'fork bomb', timeout: 5000 }],
      ['bash', { command: "head -c 1000000000 /dev/zero | tr '\\0' a", description: 'flood', timeout: 60000 }],
      ['bash', { command: 'sleep 600', description: 'sleep', timeout: 2000 }],
      ['bash', { command: 'echo hello from the sandbox', description: 'echo' }],
    ]);
    const [other, env, net, curl, sys, bomb, flood, sleep, echo] = parts.map((p) => p.state);
    expect(other.output).toContain('END');
    expect(other.output).not.toContain(SECRET);
    expect(env.output).not.toContain(app.adminKey);
    expect(env.output).not.toMatch(/DATABASE_URL|BOOTSTRAP_API_KEY/);
    expect(net.output).toContain('END');
    expect(net.output).not.toMatch(/PG-OPEN|REDIS-OPEN/);
    expect(curl.output).not.toContain('canary reached');
    expect(sys.output).not.toMatch(/^root:/m);
    expect(bomb.status).toBe('completed');
    expect(flood.status).toBe('completed');
    expect(flood.output.length).toBeLessThan(1_000_000);
    expect(flood.output).toMatch(/truncated|killed/i);
    // The timeout fired and killed the command (the tool says so); had the kill missed `sleep 600`, the synchronous
    // prompt above would still be waiting for it. How soon the kill comes is not asserted (issue 18: no timings).
    expect(sleep.status).toBe('completed');
    expect(sleep.output).toContain('terminated command after exceeding timeout 2000 ms');
    expect(echo.output).toContain('hello from the sandbox');
    expect(canaryHits).toBe(0);
  }, 180_000);

  it('webfetch refuses loopback, link-local metadata, IPv6 loopback and names resolving to them', async () => {
    const parts = await loop(a.student, [
      ['webfetch', { url: `http://127.0.0.1:${canaryPort}/`, format: 'text' }],
      ['webfetch', { url: 'http://169.254.169.254/latest/meta-data/', format: 'text' }],
      ['webfetch', { url: `http://[::1]:${canaryPort}/`, format: 'text' }],
      ['webfetch', { url: `http://localhost:${canaryPort}/`, format: 'text' }],
      ['webfetch', { url: `http://10.0.0.1/`, format: 'text' }],
    ]);
    for (const p of parts)
      refused(p, /refus|private|loopback|link-local|local machine|not allowed|blocked|metadata|address/i);
    expect(canaryHits).toBe(0);
  }, 60_000);

  it('the server is still healthy afterwards', async () => {
    const health = await request(app.url, 'GET', '/global/health');
    expect(health.status).toBe(200);
    expect((await a.student.http.get('/file/content', { query: { path: 'README.md' } })).status).toBe(200);
  });
});

describe("each school's sandbox settings", () => {
  it("bash follows the tenant's bashNetwork, and two tenants run under different uids", async () => {
    const listener = net.createServer((socket) => socket.end('port reached\n'));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    const port = (listener.address() as AddressInfo).port;
    try {
      const patched = await client(app.url, app.adminKey).patch(`/admin/tenants/${b.id}`, {
        body: { settings: { bashNetwork: true } },
      });
      expect(patched.status).toBe(200);
      const probe: Call = [
        'bash',
        {
          command: `id -u; (exec 3<>/dev/tcp/127.0.0.1/${port}; cat <&3) 2>/dev/null || echo PORT-CLOSED`,
          description: 'uid and port',
        },
      ];
      const [offPart] = await loop(a.student, [probe]);
      const [onPart] = await loop(b.student, [probe]);
      const [uidA, reachA] = output(offPart).trim().split('\n');
      const [uidB, reachB] = output(onPart).trim().split('\n');
      expect(reachA).toBe('PORT-CLOSED');
      // Network on is the sandbox's own filtered network (sandbox-network.ts): never the host's loopback.
      expect(reachB).toBe('PORT-CLOSED');
      expect(offPart.state.metadata.network).toBe('none');
      expect(onPart.state.metadata.network).toBe('filtered');
      const check = await new SandboxRunner({ mode: 'required', stateDir: path.join(app.dataDir, 'sandbox') }).check();
      if (check.dropsPrivileges) {
        expect(Number(uidA)).toBeGreaterThanOrEqual(200_000);
        expect(Number(uidB)).toBeGreaterThanOrEqual(200_000);
        expect(uidA).not.toBe(uidB);
      } else console.warn('sandbox cannot drop privileges here: uids not compared');
    } finally {
      await new Promise((r) => listener.close(r));
    }
  }, 60_000);
});
