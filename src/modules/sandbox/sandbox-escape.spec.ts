// Attacks a tenant's agent could try through the bash and webfetch tools, run for real: bubblewrap, real
// processes, real sockets on 127.0.0.1. Every one must fail. Run twice in CI terms: with bubblewrap (each attack
// is contained) and with SANDBOX_BWRAP=/nonexistent, as on a machine without it (each attack is refused with the
// typed error in the default mode, and nothing runs on the host).
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeWebServer, html, redirect } from '../../../test/fakes/web/fake-web.server';
import { settles } from '../../../test/utils/wait-until';
import type { Resolver } from '../../core/net/ssrf-guard';
import { bashTool } from '../tool/tools/bash/bash.tool';
import { webfetchTool } from '../tool/tools/webfetch/webfetch.tool';
import { ToolError, type ToolContext } from '../tool/tool.types';
import type { SandboxRunner } from './sandbox-runner.service';
import { SandboxUnavailableError } from './sandbox.errors';
import { sandboxUsable, testSandboxRunner } from './testing/sandbox-test-runner';
import { EgressAllowList } from '../../core/net/egress-allow-list';

const SECRET = 'sk-live-FAKE-SECRET-9f8e7d6c5b4a';
const identity = { uid: 61002, gid: 61002 };
let base: string;
let workspace: string;
let otherWorkspace: string;
let stateDir: string;
let runner: SandboxRunner;
let usable: boolean;

function context(root: string, abort = new AbortController().signal): ToolContext {
  return {
    auth: { tenantId: 'ten_a', userId: 'usr_a', role: 'student', platformAdmin: false },
    sessionId: 'ses_a',
    messageId: 'msg_a',
    callId: 'call_a',
    agent: 'build',
    workspace: { root, tenantId: 'ten_a', projectId: 'prj_a' },
    abort,
    ask: async () => undefined,
    metadata: () => undefined,
  };
}

/**
 * The attack through the bash tool. Without bubblewrap the default mode must refuse it with the typed error and
 * run nothing on the host (a canary file the command would create first stays absent); the caller then gets null.
 */
const bash = async (command: string, extra: { timeout?: number; abort?: AbortSignal; limits?: object } = {}) => {
  const tool = bashTool({ runner, defaults: { limits: extra.limits } });
  const canary = join(base, 'ran-on-host');
  const attempt = tool.execute(
    { command: `touch ${canary} 2>/dev/null; ${command}`, description: 'attack', timeout: extra.timeout ?? 20_000 },
    context(workspace, extra.abort),
  );
  if (usable) return attempt;
  await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
  await expect(attempt).rejects.toThrow(/Install bubblewrap.*SANDBOX=off/);
  expect(existsSync(canary)).toBe(false);
  return null;
};

function owned(): string[] {
  try {
    return execFileSync('pgrep', ['-u', String(identity.uid), '-a'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return [];
  }
}

/** The kernel tears a namespace down asynchronously: give dying processes a moment before calling them left over. */
function leftovers(): string[] {
  for (let attempt = 0; attempt < 20 && owned().length > 0; attempt++) execFileSync('sleep', ['0.05']);
  return owned();
}

beforeAll(async () => {
  // The server process holds a secret in its environment, as a real one holds database URLs and API keys.
  process.env.OPENCODE_FAKE_PROVIDER_KEY = SECRET;
  base = mkdtempSync(join(tmpdir(), 'sandbox-escape-'));
  workspace = join(base, 'workspaces', 'ten_a', 'prj_a');
  otherWorkspace = join(base, 'workspaces', 'ten_b', 'prj_b');
  stateDir = join(base, 'data');
  for (const dir of [workspace, otherWorkspace, stateDir]) mkdirSync(dir, { recursive: true });
  chownSync(workspace, identity.uid, identity.gid);
  writeFileSync(join(otherWorkspace, 'secret.txt'), SECRET);
  writeFileSync(join(stateDir, 'server.db'), SECRET);
  runner = testSandboxRunner({ stateDir, identity });
  usable = await sandboxUsable();
});

afterAll(() => {
  delete process.env.OPENCODE_FAKE_PROVIDER_KEY;
  rmSync(base, { recursive: true, force: true });
});

describe('bash escapes', () => {
  it('1. PID 1 environment holds no secret', async () => {
    const result = await bash(
      'cat /proc/1/environ; echo; tr "\\0" "\\n" < /proc/self/environ; cat /proc/*/environ 2>/dev/null',
    );
    if (!result) return;
    expect(result.output).not.toContain(SECRET);
    expect(result.output).not.toContain('OPENCODE_FAKE_PROVIDER_KEY');
  });

  it('2. env and set show only the minimal environment', async () => {
    const result = await bash('env; set');
    if (!result) return;
    expect(result.output).not.toContain(SECRET);
    expect(result.output).toContain('HOME=/tmp');
  });

  it("3. the server's own process is invisible and unkillable", async () => {
    const result = await bash(
      `cat /proc/${process.pid}/environ; kill -9 ${process.pid}; ls /proc | grep -E '^[0-9]+$' | wc -l`,
    );
    if (!result) return;
    expect(result.output).not.toContain(SECRET);
    expect(result.output).toMatch(/No such (file|process)/);
    expect(process.kill(process.pid, 0)).toBe(true);
  });

  it('4. writes outside the workspace fail (absolute paths, system dirs, ../)', async () => {
    const result = await bash(
      `echo x > ${join(base, 'planted.txt')}; echo x > ../../escape.txt; touch /usr/planted /etc/planted /planted; echo x > ${join(otherWorkspace, 'planted.txt')}`,
    );
    if (result) expect(result.output).toMatch(/(Permission denied|Read-only file system|No such file)/);
    for (const path of [
      join(base, 'planted.txt'),
      join(base, 'workspaces', 'escape.txt'),
      '/usr/planted',
      '/etc/planted',
      '/planted',
      join(otherWorkspace, 'planted.txt'),
    ]) {
      expect(existsSync(path)).toBe(false);
    }
  });

  it("5. another tenant's workspace is not there to read, by path, ../, symlink or hard link", async () => {
    const result = await bash(
      `cat ${join(otherWorkspace, 'secret.txt')}; cat ../../ten_b/prj_b/secret.txt; ls ${join(base, 'workspaces')}; ` +
        `ln -s ${join(otherWorkspace, 'secret.txt')} link.txt; cat link.txt; ln ${join(otherWorkspace, 'secret.txt')} hard.txt`,
    );
    if (result) {
      expect(result.output).not.toContain(SECRET);
      expect(result.output).toMatch(/No such file/);
    }
    expect(existsSync(join(workspace, 'hard.txt'))).toBe(false);
    rmSync(join(workspace, 'link.txt'), { force: true });
  });

  it('6. the data directory, /root and /etc/shadow are absent', async () => {
    const result = await bash(`cat ${join(stateDir, 'server.db')}; ls /root; cat /etc/shadow; ls /work; ls /home`);
    if (!result) return;
    expect(result.output).not.toContain(SECRET);
    expect(result.output.match(/No such file or directory/g)?.length).toBe(5);
  });

  it('7-8. loopback services (Postgres :5432, Redis :6379 and our own listeners) are unreachable', async () => {
    const connections: number[] = [];
    const listeners: Server[] = [];
    for (let i = 0; i < 2; i++) {
      const server = createServer((socket) => {
        connections.push(1);
        socket.end('+PONG\r\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      listeners.push(server);
    }
    const ports = [5432, 6379, ...listeners.map((server) => (server.address() as { port: number }).port)];
    const probe = ports.map((port) => `(exec 3<>/dev/tcp/127.0.0.1/${port} && echo connected-${port}) 2>&1`).join('; ');
    const result = await bash(`${probe}; cat /sys/class/net/*/operstate 2>/dev/null; ls /sys/class/net 2>/dev/null`);
    for (const server of listeners) server.close();
    expect(connections).toEqual([]);
    if (!result) return;
    expect(result.output).not.toMatch(/connected-\d+/);
    expect(result.output).toMatch(/Network is unreachable|Connection refused/);
  });

  it('9. a fork bomb is contained and the server stays healthy', async () => {
    // The trailing sleep keeps the namespace alive long enough for the bomb to hit the process cap.
    const result = await bash(':(){ :|:& };:; sleep 1', { timeout: 2500, limits: { processes: 50 } });
    if (!result) return;
    expect(result.output).toMatch(/(Resource temporarily unavailable|retry|exceeding timeout)/);
    expect(leftovers()).toEqual([]);
    expect(execFileSync('sh', ['-c', 'echo healthy'], { encoding: 'utf8' })).toBe('healthy\n');
  });

  it('10. 1 GB of output is capped without filling the server memory', async () => {
    const before = process.memoryUsage().rss;
    const result = await bash('head -c 1073741824 /dev/zero | tr "\\0" "a"', { timeout: 60_000 });
    if (!result) return;
    expect(result.metadata.truncated).toBe(true);
    expect(result.output.length).toBeLessThan(110_000);
    expect(result.output).toMatch(/Command killed after writing \d+ bytes of output/);
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('11. sleep 600 dies at a short timeout, children included', async () => {
    // Unkilled, the sleeps take 600 s: settling at all (and the timeout message) proves the kill; how fast is bench's.
    const result = await settles('a timed-out sleep 600', bash('sleep 600 & sleep 600', { timeout: 500 }));
    if (!result) return;
    expect(result.output).toContain('exceeding timeout 500 ms');
    expect(leftovers()).toEqual([]);
  });

  it('12. an abort mid-run kills the whole tree, double-forked orphans too', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 400);
    const result = await bash('(setsid sleep 600 &); (nohup sleep 600 >/dev/null 2>&1 &); sleep 600', {
      abort: controller.signal,
    });
    if (!result) return;
    expect(result.output).toContain('User aborted the command');
    expect(leftovers()).toEqual([]);
  });

  it('13. no way back to root: no capabilities, no_new_privs, setuid and user namespaces refused', async () => {
    const result = await bash(
      'id -u; grep -E "^(CapEff|CapPrm|NoNewPrivs)" /proc/self/status; setpriv --reuid=0 id 2>&1; unshare -r id 2>&1; su -c id 2>&1; echo 1 > /proc/sys/kernel/sysrq',
    );
    if (!result) return;
    expect(result.output.split('\n')[0]).toBe('61002');
    expect(result.output).toContain('CapEff:\t0000000000000000');
    expect(result.output).toContain('NoNewPrivs:\t1');
    expect(result.output).toContain('unshare failed: Operation not permitted');
    expect(result.output).not.toMatch(/uid=0\(/);
  });

  it('14. cannot mount over or remount the sandbox', async () => {
    const result = await bash('mount -t tmpfs none /usr 2>&1; mount -o remount,rw /usr 2>&1; touch /usr/x 2>&1');
    if (result) {
      expect(result.output.match(/must be superuser|permission denied|not permitted/gi)?.length).toBeGreaterThanOrEqual(
        2,
      );
      expect(result.output).toMatch(/Read-only file system/);
    }
    expect(existsSync('/usr/x')).toBe(false);
  });
});

describe('webfetch SSRF', () => {
  let server: FakeWebServer;
  const resolver: Resolver = async (name) => {
    if (name === 'site.test') return [{ address: '127.0.0.1', family: 4 }];
    if (name === 'internal.attacker.example') return [{ address: '10.20.30.40', family: 4 }];
    if (name === 'rebind.attacker.example') return [{ address: '127.0.0.1', family: 4 }];
    throw new Error('ENOTFOUND');
  };

  beforeAll(async () => {
    server = await FakeWebServer.start();
    server.on('/secret', html(SECRET));
  });
  afterAll(() => server.close());

  const targets: [string, () => string][] = [
    ['15. 127.0.0.1', () => `http://127.0.0.1:${server.port}/secret`],
    ['16. localhost', () => `http://localhost:${server.port}/secret`],
    ['17. 0.0.0.0', () => `http://0.0.0.0:${server.port}/secret`],
    ['18. 2130706433 (decimal)', () => `http://2130706433:${server.port}/secret`],
    ['19. [::1]', () => `http://[::1]:${server.port}/secret`],
    ['20. [::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${server.port}/secret`],
    ['21. 169.254.169.254 (metadata)', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['22. a DNS name resolving to a private address', () => `http://internal.attacker.example:${server.port}/secret`],
    ['23. a DNS name resolving to loopback', () => `http://rebind.attacker.example:${server.port}/secret`],
    ['24. a redirect to 127.0.0.1', () => `http://site.test:${server.port}/bounce`],
    ['25. 0x7f.1 (hex short form)', () => `http://0x7f.1:${server.port}/secret`],
  ];

  it('control: the trusted test host itself is fetched, so the refusals below are the guard at work', async () => {
    server.on('/public', html('<p>public page</p>'));
    const tool = webfetchTool({ guard: { resolver, allow: new EgressAllowList(['site.test']) } });
    const result = await tool.execute(
      { url: `http://site.test:${server.port}/public`, format: 'text' },
      context(workspace),
    );
    expect(result.output).toBe('public page');
  });

  it.each(targets)('%s is refused without reaching the server', async (_name, target) => {
    server.on('/bounce', redirect(`http://127.0.0.1:${server.port}/secret`));
    const tool = webfetchTool({ guard: { resolver, allow: new EgressAllowList(['site.test']) } });
    await expect(tool.execute({ url: target(), format: 'text' }, context(workspace))).rejects.toBeInstanceOf(ToolError);
    expect(server.requests.filter((request) => request.path === '/secret')).toEqual([]);
  });
});
