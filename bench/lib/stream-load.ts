// The SSE side of the streaming-capacity scenario, run in child processes (`fork` with tsx), a share of the streams
// each, so that the subscribers' parsing and the fake LLM's streams do not share one event loop: a late client would
// otherwise read as a gap in the server's stream. Protocol (IPC): the parent sends `start` with this child's streams,
// the child answers `ready` once every subscription has its first frame; the parent sends `go`, the child sends its
// prompts and reports `started` (the time of its last stream's first delta, or failure before one); the parent sends
// `end` with the steady window once it is over (or at its time limit), the child aborts every reply and answers `result`.
// A `direct` stream has no server: it reads the fake LLM's own chat stream (the generator measured against itself).
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { splitTokens } from '../../test/fakes/llm/reply';

export interface LoadStream {
  /** Absolute URL of this stream's own subscription (direct: the fake LLM's chat completions URL). */
  eventUrl: string;
  /** Absolute URL the prompt is POSTed to (prompt_async: answers at once). */
  promptUrl: string;
  /** POSTed to end the reply once the steady window is over (replies are longer than any run needs). */
  abortUrl: string;
  headers: Record<string, string>;
  body: unknown;
  sessionId: string;
  /** Read the fake LLM's stream itself: `body` is POSTed to `eventUrl`, its content chunks are the deltas. */
  direct?: boolean;
}

export interface LoadStart {
  type: 'start';
  streams: LoadStream[];
  /** Prompts this child has in flight at once while ramping up. */
  rampConcurrency: number;
}

/** What one child measured; the parent merges the children's. */
export interface LoadResult {
  type: 'result';
  /** Gaps between consecutive deltas of one stream with both ends in the window. */
  gaps: number[];
  /** Every gap after each stream's first delta, ramp and tail included. */
  gapsAll: number[];
  firstDelta: number[];
  deltasInWindow: number;
  tokensInWindow: number;
  deltasTotal: number;
  started: number;
  streamsDone: number;
  /** Streams that ended badly: an error other than the abort, or the stream closed; a slow wind-down is not one. */
  streamsFailed: number;
  errors: string[];
  /** This process's own event-loop delay during the run (ms): high values would mean the client read late. */
  clientLoopDelayP99: number;
}

export type ToChild = LoadStart | { type: 'go' } | { type: 'end'; from: number; to: number };
export type FromChild =
  { type: 'ready' } | { type: 'started'; at: number } | LoadResult | { type: 'error'; message: string };

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
  /** Started, or failed before its first delta: the window waits for every stream to be one or the other. */
  settled?: boolean;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
let onSettled = () => undefined as void;
let onDone = () => undefined as void;

/**
 * A stream counts towards the window's start once it has its first delta or has failed before it: a stream whose
 * prompt was refused or whose turn failed would otherwise hold the window (and the level) until its time limit,
 * and the level would end with no word of why.
 */
function settle(state: StreamState): void {
  if (state.settled) return;
  state.settled = true;
  onSettled();
}

function fail(state: StreamState, reason: string): void {
  state.failed ??= reason;
  settle(state);
}

function finish(state: StreamState, failed?: string): void {
  if (state.done) return;
  if (failed) fail(state, failed);
  else if (!state.started) fail(state, 'the turn ended before its first delta');
  state.done = true;
  onDone();
}

/** Reads SSE frames off a response: `data:` payloads (joined lines not needed: every frame here is one line). */
function readFrames(state: StreamState, res: http.IncomingMessage, onData: (data: string, at: number) => void): void {
  res.setEncoding('utf8');
  let buffer = '';
  res.on('data', (chunk: string) => {
    const at = epoch();
    buffer += chunk;
    let cut: number;
    let from = 0;
    while ((cut = buffer.indexOf('\n\n', from)) >= 0) {
      const frame = buffer.slice(from, cut);
      from = cut + 2;
      const data = frame.indexOf('data: ');
      if (data >= 0) onData(frame.slice(data + 6), at);
    }
    buffer = buffer.slice(from);
  });
  res.on('error', () => undefined);
  res.on('end', () => finish(state, 'stream ended'));
}

function delta(state: StreamState, text: string, at: number): void {
  if (!state.started) ((state.started = true), settle(state));
  state.times.push(at);
  state.tokens.push(splitTokens(text).length);
}

function subscribe(state: StreamState): Promise<void> {
  if (state.spec.direct) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const url = new URL(state.spec.eventUrl);
    const req = http.get(url, { agent, headers: { ...state.spec.headers, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url.pathname}${url.search}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      let connected = false;
      readFrames(state, res, (json, at) => {
        if (!connected) return void ((connected = true), resolve());
        if (!state.done) handleEvent(state, json, at);
      });
    });
    req.on('error', reject);
    state.req = req;
  });
}

function handleEvent(state: StreamState, json: string, at: number): void {
  // A cheap test first: most frames of a streaming session are deltas.
  const isDelta = json.includes('"message.part.delta"');
  if (!isDelta && !json.includes('"session.')) return;
  const event = JSON.parse(json) as { type: string; properties?: Record<string, any> };
  const payload = (event as { payload?: typeof event }).payload ?? event;
  const props = payload.properties ?? {};
  if (props.sessionID !== state.spec.sessionId) return;
  if (payload.type === 'message.part.delta') {
    if (props.field !== 'reasoning') delta(state, String(props.delta ?? ''), at);
    return;
  }
  const idle = payload.type === 'session.idle' || (payload.type === 'session.status' && props.status?.type === 'idle');
  if (idle && state.started) finish(state);
  // The aborts that end the run report MessageAbortedError; anything else is a failed stream.
  if (payload.type === 'session.error' && props.error?.name !== 'MessageAbortedError') {
    fail(state, JSON.stringify(props.error ?? {}).slice(0, 200));
  }
}

/** The fake LLM's chat stream read straight: every chunk with content is a delta. */
function openDirect(state: StreamState): Promise<void> {
  return new Promise((resolve, reject) => {
    const url = new URL(state.spec.eventUrl);
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
      if (res.statusCode !== 200)
        return void (reject(new Error(`POST ${url.pathname}: HTTP ${res.statusCode}`)), res.resume());
      resolve();
      readFrames(state, res, (data, at) => {
        if (state.done || data === '[DONE]') return;
        const text = JSON.parse(data).choices?.[0]?.delta?.content;
        if (text) delta(state, text, at);
      });
    });
    req.on('error', (err) => (state.done ? undefined : reject(err)));
    req.end(JSON.stringify(state.spec.body));
    state.req = req;
  });
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

function result(
  states: StreamState[],
  errors: string[],
  loopP99: number,
  window: { from: number; to: number },
): LoadResult {
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
    gaps,
    gapsAll,
    firstDelta: ok.map((s) => s.times[0] - s.sentAt),
    deltasInWindow,
    tokensInWindow,
    deltasTotal: states.reduce((n, s) => n + s.times.length, 0),
    started: states.filter((s) => s.started).length,
    streamsDone: states.filter((s) => s.done && !s.failed).length,
    streamsFailed: states.filter((s) => s.failed).length,
    errors: [...new Set([...errors, ...states.flatMap((s) => (s.failed ? [s.failed] : []))])].slice(0, 10),
    clientLoopDelayP99: loopP99,
  };
}

const next = <T extends ToChild['type']>(type: T) =>
  new Promise<Extract<ToChild, { type: T }>>((resolve) => {
    const on = (m: ToChild) =>
      m.type === type && (process.off('message', on), resolve(m as Extract<ToChild, { type: T }>));
    process.on('message', on);
  });

async function run(start: LoadStart): Promise<LoadResult> {
  const send = (m: FromChild) => process.send!(m);
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
  let allDone!: () => void;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  onDone = () => void (--remaining <= 0 && allDone());
  await limit(states, 50, (s) => subscribe(s));
  const go = next('go');
  const end = next('end');
  send({ type: 'ready' });
  await go;
  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  let waiting = states.length;
  onSettled = () => void (--waiting === 0 && send({ type: 'started', at: epoch() }));
  const ramp = limit(states, start.rampConcurrency, async (s) => {
    s.sentAt = epoch();
    await (s.spec.direct ? openDirect(s) : post(s.spec)).catch((err: Error) => {
      errors.push(err.message);
      finish(s, err.message);
    });
  });
  const window = await end;
  await ramp;
  // Direct streams end at once; the server's replies are aborted and get a bounded while to reach idle (each step's
  // end takes a workspace snapshot, a hundred at once take a while): the ones still busy are counted, not waited for.
  const direct = states.filter((s) => s.spec.direct);
  for (const s of direct) (finish(s), s.req?.destroy());
  await limit(states, start.rampConcurrency, (s) =>
    s.done ? Promise.resolve() : post(s.spec, s.spec.abortUrl, {}).catch((err: Error) => void errors.push(err.message)),
  );
  await Promise.race([done, new Promise((r) => setTimeout(r, 60_000))]);
  lag.disable();
  for (const s of states) s.req?.destroy();
  return result(states, errors, lag.percentile(99) / 1e6, window);
}

// Exits once the last message is on its way (a result of a million gaps takes a while to send).
const sendAndExit = (m: FromChild, code: number) => process.send!(m, undefined, {}, () => process.exit(code));

process.once('message', (m: LoadStart) => {
  run(m).then(
    (res) => sendAndExit(res, 0),
    (err: Error) => sendAndExit({ type: 'error', message: err.message }, 1),
  );
});
