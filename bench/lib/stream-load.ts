// The SSE side of the streaming-capacity scenario, run in a child process (`fork` with tsx) so that the N
// subscribers' parsing and the fake LLM's N streams do not share one event loop: a late client would otherwise
// read as a gap in the server's stream. Protocol (IPC): parent sends `start` with the streams, child answers
// `ready` once every subscription has its first frame, parent sends `go`, child sends prompts and finally `result`.
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { splitTokens } from '../../test/fakes/llm/reply';
import { summarize, type Summary } from './stats';

export interface LoadStream {
  /** Absolute URL of this stream's own subscription. */
  eventUrl: string;
  /** Absolute URL the prompt is POSTed to (prompt_async: answers at once). */
  promptUrl: string;
  /** POSTed to end the reply once the steady window is over (replies are longer than any run needs). */
  abortUrl: string;
  headers: Record<string, string>;
  body: unknown;
  sessionId: string;
}

export interface LoadStart {
  type: 'start';
  streams: LoadStream[];
  /** Prompts in flight at once while ramping up. */
  rampConcurrency: number;
  /** Give up on a stream after this long from `go`. */
  timeoutMs: number;
  /** Once every stream has its first delta, measure this long, then abort every reply. */
  steadyMs: number;
}

export interface LoadResult {
  type: 'result';
  /** Epoch ms (performance.timeOrigin + now) of the steady window: from the last stream's first delta to the aborts. */
  window: { from: number; to: number };
  /** Gaps between consecutive deltas of one stream with both ends in the window. */
  gaps: Summary;
  /** Every gap after each stream's first delta, ramp and tail included. */
  gapsAll: Summary;
  firstDelta: Summary;
  deltasInWindow: number;
  tokensInWindow: number;
  deltasTotal: number;
  streamsDone: number;
  /** Streams that ended badly: an error other than the abort, or the stream closed; a slow wind-down is not one. */
  streamsFailed: number;
  errors: string[];
  /** This process's own event-loop delay during the run (ms): high values would mean the client read late. */
  clientLoopDelayP99: number;
}

const epoch = () => performance.timeOrigin + performance.now();

interface StreamState {
  spec: LoadStream;
  req?: http.ClientRequest;
  sentAt: number;
  times: number[];
  tokens: number[];
  done: boolean;
  failed?: string;
  started: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function subscribe(state: StreamState, onDone: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(state.spec.eventUrl);
    const req = http.get(url, { agent, headers: { ...state.spec.headers, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url.pathname}${url.search}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      let connected = false;
      res.on('data', (chunk: string) => {
        const at = epoch();
        buffer += chunk;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const line = frame.split('\n').find((l) => l.startsWith('data: '));
          if (!line) continue;
          if (!connected) {
            connected = true;
            resolve();
            continue;
          }
          if (state.done) continue;
          handleFrame(state, line.slice(6), at, onDone);
        }
      });
      res.on('error', () => undefined);
      res.on('end', () => {
        if (!state.done) (state.failed ??= 'stream ended'), (state.done = true), onDone();
      });
    });
    req.on('error', reject);
    state.req = req;
  });
}

let onFirstDelta = () => undefined as void;

function handleFrame(state: StreamState, json: string, at: number, onDone: () => void): void {
  // A cheap test first: most frames of a streaming session are deltas.
  const isDelta = json.includes('"message.part.delta"');
  if (!isDelta && !json.includes('"session.')) return;
  const event = JSON.parse(json) as { type: string; properties?: Record<string, any> };
  const payload = (event as { payload?: typeof event }).payload ?? event;
  const props = payload.properties ?? {};
  if (props.sessionID !== state.spec.sessionId) return;
  if (payload.type === 'message.part.delta') {
    if (props.field === 'reasoning') return;
    if (!state.started) (state.started = true), onFirstDelta();
    state.times.push(at);
    state.tokens.push(splitTokens(String(props.delta ?? '')).length);
    return;
  }
  const idle =
    payload.type === 'session.idle' || (payload.type === 'session.status' && props.status?.type === 'idle');
  if (idle && state.started) {
    state.done = true;
    onDone();
  }
  // The aborts that end the run report MessageAbortedError; anything else is a failed stream.
  if (payload.type === 'session.error' && props.error?.name !== 'MessageAbortedError') {
    state.failed = JSON.stringify(props.error ?? {}).slice(0, 200);
  }
}

async function post(spec: LoadStream, url = spec.promptUrl, body: unknown = spec.body): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { ...spec.headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(120_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST prompt: HTTP ${res.status} ${text.slice(0, 200)}`);
}

async function limit<T>(items: T[], n: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

function result(states: StreamState[], errors: string[], loopP99: number, window: { from: number; to: number }): LoadResult {
  const ok = states.filter((s) => s.times.length > 1 && !s.failed);
  const { from, to } = window;
  const gaps: number[] = [];
  const gapsAll: number[] = [];
  let deltasInWindow = 0;
  let tokensInWindow = 0;
  for (const s of ok) {
    for (let i = 1; i < s.times.length; i++) {
      const gap = s.times[i] - s.times[i - 1];
      gapsAll.push(gap);
      if (s.times[i - 1] >= from && s.times[i] <= to) gaps.push(gap);
    }
    for (let i = 0; i < s.times.length; i++)
      if (s.times[i] >= from && s.times[i] <= to) (deltasInWindow++, (tokensInWindow += s.tokens[i]));
  }
  return {
    type: 'result',
    window: { from, to: Math.max(from, to) },
    gaps: summarize(gaps),
    gapsAll: summarize(gapsAll),
    firstDelta: summarize(ok.map((s) => s.times[0] - s.sentAt)),
    deltasInWindow,
    tokensInWindow,
    deltasTotal: states.reduce((n, s) => n + s.times.length, 0),
    streamsDone: states.filter((s) => s.done && !s.failed).length,
    streamsFailed: states.filter((s) => s.failed).length,
    errors: [...new Set([...errors, ...states.flatMap((s) => (s.failed ? [s.failed] : []))])].slice(0, 10),
    clientLoopDelayP99: loopP99,
  };
}

async function run(start: LoadStart): Promise<void> {
  const send = (m: unknown) => process.send!(m);
  const states: StreamState[] = start.streams.map((spec) => ({
    spec,
    sentAt: 0,
    times: [],
    tokens: [],
    done: false,
    started: false,
  }));
  const errors: string[] = [];
  let remaining = states.length;
  let finish!: () => void;
  const allDone = new Promise<void>((resolve) => (finish = resolve));
  const onDone = () => {
    if (--remaining <= 0) finish();
  };
  await limit(states, 50, (s) => subscribe(s, onDone));
  const go = new Promise<void>((resolve) => process.once('message', () => resolve()));
  send({ type: 'ready' });
  await go;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const timer = setTimeout(finish, start.timeoutMs);
  const window = { from: 0, to: 0 };
  let waiting = states.length;
  const steady = new Promise<void>((resolve) => {
    onFirstDelta = () => {
      if (--waiting === 0) (window.from = epoch()), resolve();
    };
  });
  // Aborts come after the steady window, once every stream runs; a stream that never starts ends the run by timeout.
  const ending = steady.then(async () => {
    await new Promise((r) => setTimeout(r, start.steadyMs));
    window.to = epoch();
    await limit(states, start.rampConcurrency, (s) =>
      s.done ? Promise.resolve() : post(s.spec, s.spec.abortUrl, {}).catch((err: Error) => void errors.push(err.message)),
    );
  });
  await limit(states, start.rampConcurrency, async (s) => {
    s.sentAt = epoch();
    await post(s.spec).catch((err: Error) => {
      errors.push(err.message);
      s.failed = err.message;
      if (!s.done) (s.done = true), onDone();
    });
  });
  // After the aborts, streams get a bounded while to reach idle (each step's end takes a workspace snapshot, and a
  // hundred of them at once take a while); the ones still busy are counted, not waited for.
  await Promise.race([allDone, ending.then(() => Promise.race([allDone, new Promise((r) => setTimeout(r, 60_000))]))]);
  clearTimeout(timer);
  lag.disable();
  for (const s of states) s.req?.destroy();
  if (!window.to) errors.push(`only ${states.length - waiting} of ${states.length} streams started before the time limit`);
  send(result(states, errors, lag.percentile(99) / 1e6, window));
}

process.once('message', (m: LoadStart) => {
  run(m).then(
    () => process.exit(0),
    (err: Error) => {
      process.send!({ type: 'error', message: err.message });
      process.exit(1);
    },
  );
});
