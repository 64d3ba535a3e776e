import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HostToolError, HostToolFailedError, HostToolTimeoutError, hostToolHelperPid, runHostTool } from './host-tool';

const GIT = '/usr/bin/git';
const ENV = { PATH: '/usr/bin:/bin', HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'host-tool-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runHostTool through the helper process', () => {
  it('runs the tool in the helper, not in this process, with stdin and binary-safe stdout', async () => {
    const r = await runHostTool(GIT, ['hash-object', '--stdin'], {
      cwd: dir,
      env: ENV,
      timeoutMs: 10_000,
      input: 'hello\n',
    });
    expect(r).toEqual({ stdout: Buffer.from('ce013625030ba8dba906f756967f9e9ca394464a\n'), stderr: '', code: 0 });
    const helper = hostToolHelperPid();
    expect(helper).toBeDefined();
    expect(helper).not.toBe(process.pid);
    expect(existsSync(`/proc/${helper}`)).toBe(true);
    // Bytes that are not UTF-8 come back as they were.
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x0a]);
    const blob = await runHostTool(GIT, ['hash-object', '-w', '--stdin'], {
      cwd: dir,
      env: { ...ENV, GIT_DIR: path.join(dir, 'g') },
      timeoutMs: 10_000,
      input: bytes,
    }).catch((e: Error) => e);
    // No repository at GIT_DIR: git refuses, and the refusal is a failed run with its exit code and stderr.
    expect(blob).toBeInstanceOf(HostToolFailedError);
    expect((blob as HostToolFailedError).exitCode).toBe(128);
    expect((blob as HostToolFailedError).stderr).toMatch(/not a git repository/);
    execFileSync(GIT, ['init', '-q', path.join(dir, 'repo')]);
    const id = (
      await runHostTool(GIT, ['hash-object', '-w', '--stdin'], {
        cwd: path.join(dir, 'repo'),
        env: ENV,
        timeoutMs: 10_000,
        input: bytes,
      })
    ).stdout
      .toString()
      .trim();
    const back = await runHostTool(GIT, ['cat-file', 'blob', id], {
      cwd: path.join(dir, 'repo'),
      env: ENV,
      timeoutMs: 10_000,
    });
    expect(Buffer.isBuffer(back.stdout)).toBe(true);
    expect(back.stdout.equals(bytes)).toBe(true);
  });

  it('answers many runs at once, each with its own output', async () => {
    const runs = Array.from({ length: 40 }, (_, i) =>
      runHostTool(GIT, ['hash-object', '--stdin'], { cwd: dir, env: ENV, timeoutMs: 10_000, input: `line ${i}\n` }),
    );
    const expected = Array.from({ length: 40 }, (_, i) =>
      execFileSync(GIT, ['hash-object', '--stdin'], { input: `line ${i}\n`, env: ENV }).toString(),
    );
    expect((await Promise.all(runs)).map((r) => r.stdout.toString())).toEqual(expected);
  });

  it('keeps the exit codes the caller accepts, and reports a missing cwd as a start failure', async () => {
    const accepted = await runHostTool(GIT, ['diff', '--no-index', '--exit-code', '--', '/dev/null', __filename], {
      cwd: dir,
      env: ENV,
      timeoutMs: 10_000,
      okCodes: [1],
    });
    expect(accepted.code).toBe(1);
    expect(accepted.stdout.toString()).toContain('host-tool.spec.ts');
    const missing = runHostTool(GIT, ['--version'], { cwd: path.join(dir, 'nope'), env: ENV, timeoutMs: 10_000 });
    await expect(missing).rejects.toThrow(/git could not start/);
    await expect(missing).rejects.toMatchObject({ exitCode: null });
  });

  it('kills a tool at its timeout', async () => {
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    const blocked = runHostTool(GIT, ['hash-object', '--', 'fifo'], { cwd: dir, env: ENV, timeoutMs: 300 });
    await expect(blocked).rejects.toBeInstanceOf(HostToolTimeoutError);
  });

  it('fails the runs of a helper that dies, and starts a new one for the next run', async () => {
    await runHostTool(GIT, ['--version'], { env: ENV, timeoutMs: 10_000 });
    const first = hostToolHelperPid()!;
    // Blocked on a FIFO with no writer until its (long) timeout: still running when the helper goes.
    if (!existsSync(path.join(dir, 'fifo2'))) execFileSync('mkfifo', [path.join(dir, 'fifo2')]);
    const inFlight = runHostTool(GIT, ['hash-object', '--', 'fifo2'], { cwd: dir, env: ENV, timeoutMs: 30_000 });
    await new Promise((r) => setTimeout(r, 200));
    process.kill(first, 'SIGKILL');
    await expect(inFlight).rejects.toThrow(/helper exited/);
    // The orphaned git still waits in open(): a writer lets it finish.
    const { openSync, closeSync, constants } = await import('node:fs');
    closeSync(openSync(path.join(dir, 'fifo2'), constants.O_WRONLY | constants.O_NONBLOCK));
    const again = await runHostTool(GIT, ['--version'], { env: ENV, timeoutMs: 10_000 });
    expect(again.stdout.toString()).toMatch(/^git version/);
    expect(hostToolHelperPid()).not.toBe(first);
  });

  it('fails a run at its timeout even when the helper never answers', async () => {
    await runHostTool(GIT, ['--version'], { env: ENV, timeoutMs: 10_000 });
    const helper = hostToolHelperPid()!;
    process.kill(helper, 'SIGSTOP');
    // Resumed on a clock of its own: without the bound here, the run would then succeed and this case fail, not hang.
    const resume = setTimeout(() => process.kill(helper, 'SIGCONT'), 5_000);
    try {
      const started = Date.now();
      const stuck = runHostTool(GIT, ['--version'], { env: ENV, timeoutMs: 300 });
      await expect(stuck).rejects.toBeInstanceOf(HostToolTimeoutError);
      // The run's timeout plus the grace for the helper's answer, not the helper's (never coming) reply.
      expect(Date.now() - started).toBeGreaterThanOrEqual(2_000);
    } finally {
      clearTimeout(resume);
      process.kill(helper, 'SIGCONT');
    }
    // The helper answers the late run once resumed; that answer is dropped, and the next run goes through.
    const next = await runHostTool(GIT, ['--version'], { env: ENV, timeoutMs: 10_000 });
    expect(next.stdout.toString()).toMatch(/^git version/);
  });

  it('still refuses binaries that are not host tools, without asking the helper', async () => {
    await expect(runHostTool('/bin/sh', ['-c', 'id'], { env: ENV, timeoutMs: 1000 })).rejects.toBeInstanceOf(
      HostToolError,
    );
  });
});
