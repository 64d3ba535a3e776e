import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { settles, waitUntil } from '../../../test/utils/wait-until';
import { OutputCollector } from './output-collector';
import { SandboxRunner } from './sandbox-runner.service';
import { SandboxPathError, SandboxUnavailableError } from './sandbox.errors';

const identity = { uid: 61001, gid: 61001 };
let base: string;
let workspace: string;
let runner: SandboxRunner;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-runner-'));
  workspace = join(base, 'workspace');
  mkdirSync(join(workspace, 'sub'), { recursive: true });
  chownSync(workspace, identity.uid, identity.gid);
  chownSync(join(workspace, 'sub'), identity.uid, identity.gid);
  runner = new SandboxRunner({ stateDir: join(base, 'state'), identity });
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

const run = (command: string, extra: Partial<Parameters<SandboxRunner['run']>[0]> = {}) =>
  runner.run({ command, cwd: workspace, workspaceRoot: workspace, timeoutMs: 20_000, ...extra });

/** Processes the sandbox uid still owns anywhere on the machine. */
function owned(uid: number): string[] {
  try {
    return execFileSync('pgrep', ['-u', String(uid), '-a'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** The kernel tears a namespace down asynchronously: give dying processes a moment before calling them left over. */
function leftovers(uid: number): string[] {
  for (let attempt = 0; attempt < 20 && owned(uid).length > 0; attempt++) execFileSync('sleep', ['0.05']);
  return owned(uid);
}

describe('SandboxRunner', () => {
  it('reports bubblewrap as available with its version', async () => {
    const check = await runner.check();
    expect(check).toMatchObject({ available: true, reason: null, dropsPrivileges: true });
    expect(check.version).toMatch(/^\d+\.\d+/);
  });

  it('runs in the requested directory as the unprivileged identity and returns the exit code', async () => {
    const result = await run('pwd; id -u; id -g; exit 7', { cwd: join(workspace, 'sub') });
    expect(result.output).toBe(`${join(workspace, 'sub')}\n61001\n61001\n`);
    expect(result).toMatchObject({ exitCode: 7, sandboxed: true, truncated: false, timedOut: false });
  });

  it('merges stderr into the output and streams chunks as they arrive', async () => {
    const chunks: string[] = [];
    const result = await run('echo out; echo err >&2', { onOutput: (chunk) => chunks.push(chunk) });
    expect(result.output.split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(chunks.join('')).toBe(result.output);
  });

  it('kills a command that outlives its timeout, with everything it started', async () => {
    // Unkilled, the sleeps take 600 s: settling at all and `timedOut` prove the kill; how fast is bench's.
    const result = await settles('a timed-out sleep 600', run('sleep 600 & sleep 600; echo never', { timeoutMs: 500 }));
    expect(result.timedOut).toBe(true);
    expect(result.output).not.toContain('never');
    expect(leftovers(identity.uid)).toEqual([]);
  });

  it('kills the whole tree when aborted mid-run', async () => {
    const controller = new AbortController();
    const result = await run('(sleep 600 &); sleep 600 & echo started; wait', {
      signal: controller.signal,
      onOutput: (chunk) => chunk.includes('started') && controller.abort(),
    });
    expect(result).toMatchObject({ aborted: true, timedOut: false });
    expect(result.output).toContain('started');
    expect(leftovers(identity.uid)).toEqual([]);
  });

  it('does not start when the signal is already aborted', async () => {
    const result = await run('echo hello > started.txt; sleep 5', { signal: AbortSignal.abort() });
    expect(result).toMatchObject({ aborted: true, exitCode: null, output: '' });
    expect(existsSync(join(workspace, 'started.txt'))).toBe(false);
  });

  it('leaves no half-started sandbox behind when aborted during bwrap setup', async () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const controller = new AbortController();
      const pending = run('sleep 30', { signal: controller.signal });
      // Abort within the first milliseconds, while bwrap is still building the namespaces.
      setTimeout(() => controller.abort(), attempt);
      await pending;
    }
    // An orphan would live for its sleep 30, past the wait's bound; one being torn down is given the time to go.
    const orphans = () =>
      execFileSync('ps', ['-eo', 'pid=,ppid=,args='], { encoding: 'utf8' })
        .split('\n')
        .filter((line) => line.includes('bwrap') && line.includes(workspace) && line.includes('sleep 30'));
    await waitUntil('no half-started sandbox left', orphans, (left) => left.length === 0, { timeoutMs: 20_000 });
  });

  it('caps processes: a fork bomb hits RLIMIT_NPROC and dies with the namespace', async () => {
    const result = await run(':(){ :|:& };:; sleep 1; echo survived-fork', {
      timeoutMs: 2500,
      limits: { processes: 40, cpuSeconds: 5 },
    });
    expect(result.output).toMatch(/fork|Resource temporarily unavailable|retry/i);
    expect(leftovers(identity.uid)).toEqual([]);
    // The server itself can still fork.
    expect(execFileSync('echo', ['alive'], { encoding: 'utf8' })).toBe('alive\n');
  });

  it('caps memory (RLIMIT_AS)', async () => {
    const result = await run(`perl -e '$x = "a" x (600 * 1024 * 1024); print "allocated\\n"'`, {
      limits: { memoryBytes: 256 * 1024 * 1024 },
    });
    expect(result.output).not.toContain('allocated');
    expect(result.output).toMatch(/Out of memory/i);
    expect(result.exitCode).not.toBe(0);
  });

  it('caps file size (RLIMIT_FSIZE)', async () => {
    const result = await run('head -c 3000000 /dev/zero > big.bin; echo done', { limits: { fileBytes: 1_000_000 } });
    expect(statSync(join(workspace, 'big.bin')).size).toBe(1_000_000);
    expect(result.output).toMatch(/File size limit exceeded/);
    rmSync(join(workspace, 'big.bin'));
  });

  it('caps CPU time (RLIMIT_CPU)', async () => {
    const result = await run('while :; do :; done', { limits: { cpuSeconds: 1 } });
    expect(result.timedOut).toBe(false);
    // SIGXCPU is the proof that the CPU limit ended the loop (not the timeout); its wall time depends on the load.
    expect(result.exitCode).toBe(128 + 24);
  });

  it('keeps head and tail of large output, counts it all and spills it to a file', async () => {
    const result = await run(`seq 1 200000`, { limits: { outputBytes: 4000, spillBytes: 100_000 } });
    const full = execFileSync('seq', ['1', '200000'], { maxBuffer: 10_000_000 });
    expect(result.truncated).toBe(true);
    expect(result.totalBytes).toBe(full.length);
    expect(result.output.startsWith('1\n2\n3\n')).toBe(true);
    expect(result.output.endsWith('199999\n200000\n')).toBe(true);
    expect(result.output).toMatch(/bytes of output omitted/);
    expect(result.output.length).toBeLessThan(4200);
    expect(readFileSync(result.outputPath!)).toEqual(full.subarray(0, 100_000));
  });

  it('kills a command that floods output past the hard limit', async () => {
    const result = await run('yes flood', { limits: { outputBytes: 1000, killAfterOutputBytes: 2_000_000 } });
    expect(result.outputLimitHit).toBe(true);
    expect(result.totalBytes).toBeGreaterThan(2_000_000);
    expect(result.totalBytes).toBeLessThan(50_000_000);
  });

  it("has no network by default, and never the host's loopback even when network is allowed", async () => {
    const server = createServer((socket) => socket.end('hello from the host\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const probe = `exec 3<>/dev/tcp/127.0.0.1/${port} && head -1 <&3`;
    const offline = await run(probe);
    const online = await run(probe, { network: true });
    server.close();
    expect(offline.output).toMatch(/Network is unreachable|Connection refused/);
    // Its own namespace with the filtered network (sandbox-network.spec.ts): 127.0.0.1 is the sandbox's own.
    expect(online.output).toMatch(/Connection refused/);
    expect(online.output).not.toContain('hello from the host');
  });

  it('refuses a working directory outside the workspace, also through a symlink', async () => {
    await expect(run('true', { cwd: base })).rejects.toBeInstanceOf(SandboxPathError);
    await expect(run('true', { cwd: '../' })).rejects.toBeInstanceOf(SandboxPathError);
    execFileSync('ln', ['-sfn', base, join(workspace, 'escape')]);
    await expect(run('true', { cwd: join(workspace, 'escape') })).rejects.toBeInstanceOf(SandboxPathError);
    rmSync(join(workspace, 'escape'));
  });

  it('refuses system folders and folders holding its own state as workspaces', async () => {
    for (const root of ['/etc', '/usr/share', '/proc/self', '/var/lib']) {
      await expect(runner.run({ command: 'true', cwd: root, workspaceRoot: root })).rejects.toThrow(/system folder/);
    }
    await expect(runner.run({ command: 'true', cwd: base, workspaceRoot: base })).rejects.toThrow(/state folder/);
  });

  it('reports its state for /ready', async () => {
    expect(await runner.status()).toMatchObject({ mode: 'required', state: 'sandboxed', reason: null, fix: null });
    const off = new SandboxRunner({ stateDir: join(base, 'state-off-status'), mode: 'off' });
    expect(await off.status()).toMatchObject({ mode: 'off', state: 'off' });
  });

  it('by default (required) refuses every command path without bubblewrap, naming the fix, and runs nothing on the host', async () => {
    const canary = join(base, 'ran-on-host');
    for (const bwrapPath of [null, join(base, 'no-bwrap')]) {
      const required = new SandboxRunner({ stateDir: join(base, 'state-missing'), bwrapPath });
      expect(await required.check()).toMatchObject({ available: false, version: null });
      expect(await required.status()).toMatchObject({
        mode: 'required',
        state: 'unavailable',
        fix: expect.stringMatching(/apt-get install bubblewrap.*SANDBOX=off/),
      });
      const run = required.run({ command: `touch ${canary}`, cwd: workspace, workspaceRoot: workspace });
      await expect(run).rejects.toBeInstanceOf(SandboxUnavailableError);
      await expect(run).rejects.toMatchObject({
        status: 503,
        code: 'sandbox_unavailable',
        errorName: 'SandboxUnavailableError',
      });
      await expect(run).rejects.toThrow(/Install bubblewrap .* or set SANDBOX=off only when one trusted user/);
      await expect(
        required.spawnProcess({ argv: ['/usr/bin/touch', canary], workspaceRoot: workspace }),
      ).rejects.toBeInstanceOf(SandboxUnavailableError);
    }
    expect(existsSync(canary)).toBe(false);
  });

  it('in optional mode (chosen explicitly) falls back to the host, marks the result and writes the audit log', async () => {
    const audited: unknown[] = [];
    const audit = {
      unsandboxedRun: async (origin: unknown, details: unknown) => void audited.push({ origin, details }),
    };
    const optional = new SandboxRunner(
      { stateDir: join(base, 'state-optional'), bwrapPath: null, mode: 'optional' },
      audit,
    );
    expect(await optional.status()).toMatchObject({ state: 'unsandboxed' });
    const origin = { tenantId: 'ten_x', userId: 'usr_x', via: 'bash' };
    const result = await optional.run({ command: 'echo plain', cwd: workspace, workspaceRoot: workspace, origin });
    expect(result).toMatchObject({ output: 'plain\n', sandboxed: false, exitCode: 0 });
    const child = await optional.spawnProcess({
      argv: ['/bin/true'],
      workspaceRoot: workspace,
      origin: { ...origin, via: 'mcp' },
    });
    await new Promise((resolve) => child.once('exit', resolve));
    expect(audited).toEqual([
      {
        origin,
        details: { command: 'echo plain', mode: 'optional', reason: expect.stringContaining('not installed') },
      },
      {
        origin: { ...origin, via: 'mcp' },
        details: { command: '/bin/true', mode: 'optional', reason: expect.stringContaining('not installed') },
      },
    ]);
  });

  it('runs a plain process-group-killed shell in off mode', async () => {
    const off = new SandboxRunner({ stateDir: join(base, 'state-off'), mode: 'off' });
    const result = await off.run({ command: 'sleep 600', cwd: workspace, workspaceRoot: workspace, timeoutMs: 300 });
    expect(result).toMatchObject({ sandboxed: false, timedOut: true });
  });
});

describe('SandboxRunner.spawnProcess', () => {
  it('runs a long-lived process with piped stdin, sandboxed, until the caller kills its group', async () => {
    const child = await runner.spawnProcess({
      argv: ['/bin/sh', '-c', 'id -u; cat /proc/1/environ | wc -c; while read line; do echo "got $line"; done'],
      workspaceRoot: workspace,
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin!.write('ping\n');
    await waitUntil('the echo of ping', () => output.includes('got ping'));
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    process.kill(-child.pid!, 'SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(output.split('\n').slice(0, 1)).toEqual(['61001']);
    expect(output).toContain('got ping');
    expect(leftovers(identity.uid)).toEqual([]);
  });
});

describe('OutputCollector', () => {
  it('returns everything untouched while under the limit', async () => {
    const collector = new OutputCollector({ memoryBytes: 100, spillBytes: 1000, spillPath: join(base, 'never.log') });
    collector.push(Buffer.from('héllo '));
    collector.push(Buffer.from('world'));
    expect(collector.text()).toBe('héllo world');
    expect(await collector.close()).toBeUndefined();
  });

  it('does not break multi-byte characters at the cut', () => {
    const collector = new OutputCollector({ memoryBytes: 8, spillBytes: 0, spillPath: join(base, 'x.log') });
    collector.push(Buffer.from('ééééééééééé'));
    expect(collector.text()).not.toContain('\uFFFD\uFFFD\uFFFD');
    expect(collector.totalBytes).toBe(22);
  });
});
