// The /pty shell as the runner starts it, for real: bubblewrap, a real pseudo-terminal, the shell a student
// would type into. What it proves: the terminal is a real one (tty, size, job control, Ctrl-C), and typing the
// escape probes into it changes nothing — same isolation as the bash tool. Without bubblewrap (SANDBOX_BWRAP=
// /nonexistent) the default mode refuses with the typed error and nothing starts.
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '../../../test/utils/wait-until';
import type { SandboxRunner, SandboxTerminal } from './sandbox-runner.service';
import { SandboxUnavailableError } from './sandbox.errors';
import { sandboxUsable, testSandboxRunner } from './testing/sandbox-test-runner';

const SECRET = 'sk-live-FAKE-PTY-SECRET-1a2b3c';
const identity = { uid: 61004, gid: 61004 };
let base: string;
let workspace: string;
let runner: SandboxRunner;
let usable: boolean;
let server: Server;
let port: number;
const opened: Screen[] = [];

/** A terminal and everything it printed so far. */
class Screen {
  text = '';
  exit?: number | null;
  constructor(readonly shell: SandboxTerminal) {
    shell.terminal.onData((chunk) => (this.text += chunk.toString('utf8')));
    shell.process.once('exit', (code) => (this.exit = code));
  }
  type(line: string): void {
    this.shell.terminal.write(line);
  }
  async expect(pattern: RegExp): Promise<string> {
    await waitUntil(
      `terminal output matching ${pattern}`,
      () => this.text,
      (text) => pattern.test(text),
    );
    return this.text;
  }
  async exited(): Promise<number | null | undefined> {
    await waitUntil('the shell to exit', () => this.exit !== undefined);
    return this.exit;
  }
}

async function open(extra: { userEnv?: Record<string, string>; network?: boolean } = {}): Promise<Screen> {
  const shell = await runner.spawnTerminal({
    argv: ['/bin/bash', '--norc', '--noprofile', '-i'],
    workspaceRoot: workspace,
    env: { PS1: 'sandbox$ ' },
    cols: 80,
    rows: 24,
    identity,
    ...extra,
  });
  const screen = new Screen(shell);
  opened.push(screen);
  return screen;
}

function owned(): string[] {
  try {
    return execFileSync('pgrep', ['-u', String(identity.uid), '-a'], { encoding: 'utf8' })
      .trim()
      .split('\n');
  } catch {
    return [];
  }
}

beforeAll(async () => {
  process.env.OPENCODE_FAKE_PTY_KEY = SECRET;
  base = mkdtempSync(join(tmpdir(), 'sandbox-terminal-'));
  workspace = join(base, 'workspaces', 'ten_a', 'prj_a');
  mkdirSync(workspace, { recursive: true });
  mkdirSync(join(base, 'data'));
  chownSync(workspace, identity.uid, identity.gid);
  writeFileSync(join(base, 'data', 'server.db'), SECRET);
  runner = testSandboxRunner({ stateDir: join(base, 'data'), identity });
  usable = await sandboxUsable();
  // A loopback service the sandbox must not reach (Postgres and Redis sit on loopback like this).
  server = createServer((socket) => socket.end(`${SECRET}\n`));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

// A failed case must not leave its shell behind for the next one (the kill case counts the sandbox uid's processes).
afterEach(async () => {
  const left = opened.splice(0).filter((screen) => screen.exit === undefined);
  for (const screen of left) {
    screen.shell.kill();
    screen.shell.terminal.close();
  }
  if (left.length) await waitUntil('no process of the sandbox uid after the case', () => owned().length === 0);
});

afterAll(async () => {
  // A failed case leaves its shell running: end every one, or the open terminals keep the test process alive.
  for (const screen of opened) {
    screen.shell.kill();
    screen.shell.terminal.close();
  }
  delete process.env.OPENCODE_FAKE_PTY_KEY;
  await new Promise((resolve) => server.close(resolve));
  rmSync(base, { recursive: true, force: true });
});

describe('the sandboxed terminal', () => {
  it('without bubblewrap the default mode refuses with the typed error', async () => {
    if (usable) return;
    await expect(open()).rejects.toBeInstanceOf(SandboxUnavailableError);
  });

  it('is a real terminal: tty, size, resize, job control, Ctrl-C, exit code', async () => {
    if (!usable) return;
    const screen = await open();
    screen.type('tty; stty size; id -u; pwd\n');
    const text = await screen.expect(/24 80[\s\S]*\d+\r?\n[\s\S]*prj_a/);
    // bwrap's own /dev shows the terminal as /dev/console.
    expect(text).toMatch(/\/dev\/(pts\/\d+|console)/);
    expect(text).toContain(String(identity.uid));
    expect(text).not.toContain('no job control');
    screen.shell.terminal.resize(120, 40);
    screen.type('stty size\n');
    await screen.expect(/40 120/);
    // Ctrl-C interrupts the foreground job and the shell carries on.
    screen.type('sleep 30; echo not-interrupted\n');
    await screen.expect(/sleep 30; echo not-interrupted\r?\n/);
    screen.type('\x03');
    screen.type('echo after-$((40+2))\n');
    await screen.expect(/after-42/);
    expect(screen.text).not.toContain('\nnot-interrupted');
    screen.type('exit 7\n');
    expect(await screen.exited()).toBe(7);
  });

  it('a resize takes effect in order with the typing around it', async () => {
    if (!usable) return;
    const screen = await open();
    // Each size is set right before the line that prints it, sent at once after it: the line must see that size.
    // (Lines typed ahead would run after later resizes, so each waits for the one before.)
    for (let i = 1; i <= 12; i++) {
      screen.shell.terminal.resize(100 + i, 30 + i);
      screen.type(`echo "size-${i}: $(stty size)"\n`);
      const text = await screen.expect(new RegExp(`size-${i}: \\d+ \\d+`));
      expect(text).toContain(`size-${i}: ${30 + i} ${100 + i}`);
    }
    screen.type('exit\n');
    await screen.exited();
  });

  it('the escape probes typed into it are contained', async () => {
    if (!usable) return;
    const screen = await open();
    const outside = join(base, 'planted.txt');
    screen.type(
      `cat /proc/1/environ; env | grep -c OPENCODE_FAKE; cat ${join(base, 'data', 'server.db')}; ` +
        `echo x > ${outside}; kill -9 ${process.pid}; ` +
        `(exec 3<>/dev/tcp/127.0.0.1/${port} && cat <&3) 2>&1 | head -1; ` +
        // TIOCSTI-style and setsid games stay inside: the only terminal here is the shell's own.
        `ls /dev/pts; echo probes-$((1+1))\n`,
    );
    const text = await screen.expect(/probes-2/);
    expect(text).not.toContain(SECRET);
    expect(existsSync(outside)).toBe(false);
    expect(process.kill(process.pid, 0)).toBe(true);
    expect(text).toMatch(/(Network is unreachable|Connection refused|No such file)/);
    screen.type('exit\n');
    await screen.exited();
  });

  it("no other process inherits a terminal's master: a command run meanwhile cannot reach the terminals", async () => {
    if (!usable) return;
    const first = await open();
    const second = await open();
    const run = await runner.run({
      command: 'ls -l /proc/self/fd/; echo listed',
      cwd: workspace,
      workspaceRoot: workspace,
      identity,
    });
    expect(run.output).toContain('listed');
    expect(run.output).not.toMatch(/ptmx|\/dev\/pts/);
    second.type('ls -l /proc/self/fd/ | grep -c ptmx; echo fds-$((2*4))\n');
    const text = await second.expect(/fds-8/);
    expect(text).toMatch(/[\r\n]0\r?\nfds-8/);
    for (const screen of [first, second]) {
      screen.type('exit\n');
      await screen.exited();
    }
  });

  it("the caller's variables reach the shell, not the root-run setup", async () => {
    if (!usable) return;
    const screen = await open({ userEnv: { GREETING: 'hello-there', LD_PRELOAD: '/nonexistent.so' } });
    screen.type('echo "$GREETING"; echo done-$((2+3))\n');
    const text = await screen.expect(/done-5/);
    expect(text).toContain('hello-there');
    screen.type('exit\n');
    await screen.exited();
  });

  it('kill() ends the shell and everything it started, background jobs and setsid ones included', async () => {
    if (!usable) return;
    const screen = await open();
    screen.type('sleep 300 & setsid sleep 301 & echo started-$((3+3))\n');
    await screen.expect(/started-6/);
    await waitUntil('the sleeps to run', () => owned().filter((line) => / sleep 30[01]/.test(line)).length === 2);
    screen.shell.kill();
    await screen.exited();
    await waitUntil('no process of the sandbox uid', () => owned().length === 0);
    screen.shell.terminal.close();
  });
});
