import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SandboxRunner } from '../../../sandbox/sandbox-runner.service';
import type { SandboxRunInput, SandboxRunResult } from '../../../sandbox/sandbox.types';
import { ToolError, type ToolContext } from '../../tool.types';
import type { PermissionAsk } from '../../../permission/permission.types';
import { bashTool, METADATA_INTERVAL_MS } from './bash.tool';

const identity = { uid: 61003, gid: 61003 };
let base: string;
let workspace: string;
let runner: SandboxRunner;

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), 'bash-tool-'));
  workspace = join(base, 'workspace');
  mkdirSync(join(workspace, 'pkg'), { recursive: true });
  chownSync(workspace, identity.uid, identity.gid);
  chownSync(join(workspace, 'pkg'), identity.uid, identity.gid);
  runner = new SandboxRunner({ stateDir: join(base, 'state'), identity });
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

function context(abort = new AbortController().signal) {
  const asks: PermissionAsk[] = [];
  const updates: Record<string, unknown>[] = [];
  const ctx: ToolContext = {
    auth: { tenantId: 'ten_1', userId: 'usr_1', role: 'student', platformAdmin: false },
    sessionId: 'ses_1',
    messageId: 'msg_1',
    callId: 'call_1',
    agent: 'build',
    workspace: { root: workspace, tenantId: 'ten_1', projectId: 'prj_1' },
    abort,
    ask: async (request) => void asks.push(request),
    metadata: (update) => void updates.push(update.metadata ?? {}),
  };
  return { ctx, asks, updates };
}

describe('bash tool', () => {
  it('asks for every sub-command with arity prefixes, then runs it in the sandbox', async () => {
    const tool = bashTool({ runner });
    const { ctx, asks } = context();
    const result = await tool.execute(
      { command: 'git init -q && git status --short | wc -l; echo "a;b" > notes.txt', description: 'Init a repo' },
      ctx,
    );
    expect(asks).toEqual([
      {
        permission: 'bash',
        patterns: ['git init -q', 'git status --short', 'wc -l', 'echo "a;b" > notes.txt'],
        always: ['git init *', 'git status *', 'wc *', 'echo *'],
        metadata: { command: expect.any(String), description: 'Init a repo' },
      },
    ]);
    expect(result.output).toBe('0\n');
    expect(result.title).toBe('Init a repo');
    expect(result.metadata).toMatchObject({ exit: 0, truncated: false, description: 'Init a repo', sandboxed: true });
    expect(readFileSync(join(workspace, 'notes.txt'), 'utf8')).toBe('a;b\n');
  });

  it('does not run when the permission is refused', async () => {
    const tool = bashTool({ runner });
    const { ctx } = context();
    ctx.ask = async () => {
      throw new Error('rejected');
    };
    await expect(tool.execute({ command: 'touch refused.txt', description: 'Touch' }, ctx)).rejects.toThrow('rejected');
    expect(() => readFileSync(join(workspace, 'refused.txt'))).toThrow();
  });

  it('streams output into metadata while the command runs', async () => {
    const tool = bashTool({ runner });
    const { ctx, updates } = context();
    await tool.execute({ command: 'echo one; sleep 0.2; echo two', description: 'Two lines' }, ctx);
    const outputs = updates.map((update) => update.output);
    expect(outputs[0]).toBe('');
    expect(outputs).toContain('one\n');
    expect(outputs).toContain('one\ntwo\n');
    expect(updates.every((update) => update.description === 'Two lines')).toBe(true);
  });

  it('throttles live updates but always delivers the final output', async () => {
    const tool = bashTool({ runner });
    const { ctx, updates } = context();
    const at: number[] = [];
    const record = ctx.metadata;
    ctx.metadata = (update) => {
      at.push(Date.now());
      record(update);
    };
    await tool.execute({ command: 'for i in $(seq 1 30); do echo $i; sleep 0.01; done', description: 'Count' }, ctx);
    // Rather than one update per line: between two live updates lies at least one interval (a lower bound that a
    // loaded machine only widens). The last update is the final flush, which may follow the previous one at once.
    const gaps = at.slice(1, -1).map((time, i) => time - at[i]!);
    expect(gaps.every((gap) => gap >= METADATA_INTERVAL_MS - 2)).toBe(true);
    // And no more updates than intervals fit in the run (plus the first and the final flush): one per line would
    // exceed that whenever the lines come faster than the interval.
    expect(updates.length).toBeLessThanOrEqual(Math.floor((at.at(-1)! - at[0]!) / METADATA_INTERVAL_MS) + 3);
    expect(String(updates.at(-1)!.output).split('\n').slice(-3)).toEqual(['29', '30', '']);
  });

  it('a throttle timer that fires late adds no update after one sent at once (one update per interval)', async () => {
    // Under load a chunk can arrive after the interval while the timer scheduled for the previous chunk has not run
    // yet: the chunk is sent at once, and that timer must not send it again right after.
    jest.useFakeTimers({ now: 1_000_000 });
    try {
      let onOutput!: (chunk: string) => void;
      let finish!: () => void;
      const stub = {
        run: (input: SandboxRunInput) =>
          new Promise<SandboxRunResult>((resolve) => {
            onOutput = input.onOutput!;
            finish = () =>
              resolve({
                ...{ exitCode: 0, signal: null, output: 'a\nb\n', truncated: false, totalBytes: 4 },
                ...{ timedOut: false, aborted: false, outputLimitHit: false, sandboxed: true, network: 'none' },
                durationMs: 1,
              });
          }),
      } as unknown as SandboxRunner;
      const { ctx, updates } = context();
      const running = bashTool({ runner: stub }).execute({ command: 'x', description: 'Late timer' }, ctx);
      await jest.advanceTimersByTimeAsync(0);
      jest.setSystemTime(1_000_000 + METADATA_INTERVAL_MS / 2);
      onOutput('a\n'); // within the interval: a timer is scheduled
      jest.setSystemTime(1_000_000 + METADATA_INTERVAL_MS * 2);
      onOutput('b\n'); // past it, before that timer ran: sent at once
      await jest.advanceTimersByTimeAsync(METADATA_INTERVAL_MS * 2); // the late timer's turn
      finish();
      await running;
      expect(updates.map((u) => u.output)).toEqual(['', 'a\nb\n']);
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs in a workdir inside the workspace and refuses one outside', async () => {
    const tool = bashTool({ runner });
    const { ctx } = context();
    expect((await tool.execute({ command: 'pwd', description: 'Where', workdir: 'pkg' }, ctx)).output).toBe(
      `${join(workspace, 'pkg')}\n`,
    );
    await expect(tool.execute({ command: 'pwd', description: 'Where', workdir: '..' }, ctx)).rejects.toBeInstanceOf(
      ToolError,
    );
    await expect(tool.execute({ command: 'pwd', description: 'Where', workdir: '/etc' }, ctx)).rejects.toBeInstanceOf(
      ToolError,
    );
    symlinkSync(base, join(workspace, 'link-out'));
    await expect(tool.execute({ command: 'pwd', description: 'Where', workdir: 'link-out' }, ctx)).rejects.toThrow(
      /inside the workspace/,
    );
  });

  it('notes a timeout and keeps the output produced before it', async () => {
    const tool = bashTool({ runner });
    const { ctx } = context();
    // The timeout leaves a loaded machine seconds to start the sandbox and print the first line.
    const result = await tool.execute({ command: 'echo before; sleep 600', description: 'Hang', timeout: 4000 }, ctx);
    expect(result.output).toBe(
      'before\n\n\n<shell_metadata>\nbash tool terminated command after exceeding timeout 4000 ms\n</shell_metadata>',
    );
  });

  it('notes a user abort', async () => {
    const controller = new AbortController();
    const tool = bashTool({ runner });
    const { ctx } = context(controller.signal);
    setTimeout(() => controller.abort(), 300);
    const result = await tool.execute({ command: 'sleep 600', description: 'Wait' }, ctx);
    expect(result.output).toContain('User aborted the command');
  });

  it('caps the model-chosen timeout and reports truncation with the spill file', async () => {
    const tool = bashTool({ runner, defaults: { maxTimeoutMs: 4000, limits: { outputBytes: 2000 } } });
    const { ctx } = context();
    const result = await tool.execute({ command: 'seq 1 5000; sleep 600', description: 'Lots', timeout: 999_999 }, ctx);
    expect(result.output).toContain('exceeding timeout 4000 ms');
    expect(result.metadata.truncated).toBe(true);
    expect(result.output).toContain(`Full output saved to ${result.metadata.outputPath}`);
    expect(readFileSync(String(result.metadata.outputPath), 'utf8').split('\n')[4999]).toBe('5000');
  });

  it('explains resource-limit kills', async () => {
    const tool = bashTool({ runner, defaults: { limits: { cpuSeconds: 1 } } });
    const { ctx } = context();
    const result = await tool.execute({ command: 'while :; do :; done', description: 'Spin' }, ctx);
    expect(result.metadata.exit).toBe(152);
    expect(result.output).toContain('Command terminated by signal SIGXCPU (CPU time limit reached)');
  });
});
