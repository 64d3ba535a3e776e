import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';

// Runs a built entrypoint (dist/main.js, dist/worker.js) as a real OS process for multi-process e2e tests,
// keeping its output so a test can wait for a log line and show the logs when something fails.

const ROOT = path.resolve(__dirname, '..', '..');

/** Builds dist/ unless OC_TEST_SKIP_BUILD=1 (the build script is a no-op when dist is newer than src). */
export function buildDist(): void {
  if (process.env.OC_TEST_SKIP_BUILD === '1') return;
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'build.cjs')], { cwd: ROOT, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}\n${build.stderr}`);
}

export class NodeProcess {
  output = '';
  private exitWaiters: ((code: number | null) => void)[] = [];
  exitCode: number | null | undefined = undefined;
  exitSignal: NodeJS.Signals | null = null;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    const keep = (d: Buffer) => {
      this.output += d.toString();
      if (this.output.length > 2_000_000) this.output = this.output.slice(-1_000_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      this.exitCode = code;
      this.exitSignal = signal;
      for (const w of this.exitWaiters.splice(0)) w(code);
    });
  }

  /** `root`: the project folder the script and the working folder are taken from (default: this checkout). */
  static start(name: string, script: string, env: Record<string, string>, root = ROOT): NodeProcess {
    const child = spawn(process.execPath, [path.join(root, script)], {
      cwd: root,
      // A test's server keeps its admission gate off unless the test sets one: a loaded CI machine lags every
      // process, and a prompt refused with a 503 there would fail a test about something else.
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? ROOT,
        ...(env.NODE_ENV === 'test' ? { OVERLOAD_LAG_MS: '0' } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new NodeProcess(name, child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Resolves with the first match of `re` in the output; rejects on timeout or when the process exits. */
  async waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    const start = Date.now();
    for (;;) {
      const m = this.output.match(re);
      if (m) return m;
      if (this.exitCode !== undefined)
        throw new Error(`${this.name} exited (${this.exitCode}) before ${re}:\n${this.output.slice(-4000)}`);
      if (Date.now() - start > timeoutMs)
        throw new Error(`${this.name}: no ${re} within ${timeoutMs} ms:\n${this.output.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** Sends a signal and resolves with the exit code (SIGKILL after `killAfterMs`). */
  stop(signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 20_000): Promise<number | null> {
    if (this.exitCode !== undefined) return Promise.resolve(this.exitCode);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.child.kill('SIGKILL'), killAfterMs);
      this.exitWaiters.push((code) => {
        clearTimeout(timer);
        resolve(code);
      });
      this.child.kill(signal);
    });
  }
}

/** The line main.ts logs once it listens, with its URL (the JSON log's fields come in either order). */
const LISTENING =
  /"url":"(http:\/\/127\.0\.0\.1:\d+)"[^\n]*opencode-api listening|opencode-api listening[^\n]*"url":"(http:\/\/127\.0\.0\.1:\d+)"/;

export interface StartOptions {
  /** The built entrypoint, relative to the project root. */
  script?: string;
  /** Bound on the start; generous, it only matters when the process never comes up. */
  timeoutMs?: number;
  /** The project folder to run it from (default: this checkout). */
  root?: string;
}

/**
 * The one way tests and benches start an API process: `node dist/main.js` with `env`, on 127.0.0.1 and a free port
 * unless `env` sets HOST or PORT; resolves once it logs that it listens, with its URL. A process that does not come
 * up is killed and its output is in the error.
 */
export async function startApiProcess(
  name: string,
  env: Record<string, string>,
  { script = 'dist/main.js', timeoutMs = 120_000, root }: StartOptions = {},
): Promise<{ proc: NodeProcess; url: string }> {
  const proc = NodeProcess.start(name, script, { HOST: '127.0.0.1', PORT: '0', ...env }, root);
  try {
    const m = await proc.waitFor(LISTENING, timeoutMs);
    return { proc, url: m[1] ?? m[2] };
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}

/** `node dist/worker.js` with `env`; resolves once its queue workers run. */
export async function startWorkerProcess(
  name: string,
  env: Record<string, string>,
  { script = 'dist/worker.js', timeoutMs = 120_000 }: StartOptions = {},
): Promise<NodeProcess> {
  const proc = NodeProcess.start(name, script, env);
  try {
    await proc.waitFor(/opencode-api worker running/, timeoutMs);
    return proc;
  } catch (err) {
    await proc.stop('SIGKILL');
    throw err;
  }
}
