// A student's regular expression never runs on the event loop: JavaScript's engine backtracks, so `(a+)+$`
// on one long line can take minutes, and a vm timeout still blocks the loop for as long as it allows. The
// pattern runs in a worker thread instead; when the search's time budget is spent the worker is terminated,
// which stops any regex mid-match. The event loop only posts text and receives line numbers.
import { Worker } from 'node:worker_threads';

/** Longest pattern compiled (compiling is the one step that still happens on the main thread). */
export const MAX_REGEX_LENGTH = 4096;

export class RegexTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`the pattern took longer than ${timeoutMs} ms; simplify it`);
    this.name = 'RegexTimeoutError';
  }
}

export interface Submatch {
  text: string;
  /** UTF-16 offsets in the line. */
  start: number;
  end: number;
}

// Plain JavaScript, evaluated as the worker's script, so it runs the same from dist/ and under Jest.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const test = new RegExp(workerData.pattern);
const all = new RegExp(workerData.pattern, 'g');
parentPort.on('message', (msg) => {
  if (msg.op === 'lines') {
    const lines = msg.text.split('\\n');
    const hits = [];
    for (let i = 0; i < lines.length; i++) if (test.test(lines[i])) hits.push(i);
    parentPort.postMessage({ id: msg.id, result: hits });
  } else {
    const result = msg.lines.map((line) => {
      const out = [];
      all.lastIndex = 0;
      for (let m = all.exec(line); m && out.length < msg.max; m = all.exec(line)) {
        if (m[0] === '') { all.lastIndex++; continue; }
        out.push({ text: m[0], start: m.index, end: m.index + m[0].length });
      }
      return out;
    });
    parentPort.postMessage({ id: msg.id, result });
  }
});
`;

export function checkRegexLength(pattern: string): void {
  if (pattern.length > MAX_REGEX_LENGTH) throw new SyntaxError(`pattern longer than ${MAX_REGEX_LENGTH} characters`);
}

/** Throws a SyntaxError for an invalid or oversized pattern; compiling does not run it. */
export function checkRegex(pattern: string): void {
  checkRegexLength(pattern);
  new RegExp(pattern);
}

/**
 * One pattern in one worker for the length of a search. Every call shares the search's time budget
 * (`timeoutMs` from the first call); past it the worker is terminated and the call fails with RegexTimeoutError.
 */
export class RegexWorker {
  private readonly worker: Worker;
  private readonly deadline: number;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private timer?: NodeJS.Timeout;
  private failure?: Error;

  constructor(
    pattern: string,
    private readonly timeoutMs: number,
  ) {
    checkRegex(pattern);
    this.deadline = Date.now() + timeoutMs;
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { pattern },
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    this.worker.unref();
    this.worker.on('message', (msg: { id: number; result: unknown }) => {
      this.pending.get(msg.id)?.resolve(msg.result);
      this.pending.delete(msg.id);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(this.failure ?? new Error('regex worker stopped')));
  }

  /** Indexes of the lines of `text` (split on `\n`) that match. */
  lines(text: string): Promise<number[]> {
    return this.call({ op: 'lines', text }) as Promise<number[]>;
  }

  /** Up to `max` non-empty matches in each line. */
  submatches(lines: string[], max = 100): Promise<Submatch[][]> {
    return this.call({ op: 'submatches', lines, max }) as Promise<Submatch[][]>;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    if (!this.failure) this.failure = new Error('regex worker closed');
    await this.worker.terminate();
  }

  private call(message: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const result = new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
    if (!this.timer) {
      this.timer = setTimeout(
        () => {
          this.fail(new RegexTimeoutError(this.timeoutMs));
          void this.worker.terminate();
        },
        Math.max(0, this.deadline - Date.now()),
      );
      this.timer.unref();
    }
    this.worker.postMessage({ ...message, id });
    return result;
  }

  private fail(error: Error): void {
    this.failure ??= error;
    clearTimeout(this.timer);
    for (const { reject } of this.pending.values()) reject(this.failure);
    this.pending.clear();
  }
}

/** Runs `work` with a worker for `pattern`, always terminating it afterwards. */
export async function withRegexWorker<T>(
  pattern: string,
  timeoutMs: number,
  work: (worker: RegexWorker) => Promise<T>,
): Promise<T> {
  const worker = new RegexWorker(pattern, timeoutMs);
  try {
    return await work(worker);
  } finally {
    await worker.close();
  }
}
