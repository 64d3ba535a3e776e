// The flooding school's students of the fairness scenario, run in a child process (`fork` with tsx) so that their
// hundred request loops and drained streams do not share an event loop with the small schools' measuring client:
// a late client would otherwise read as a late first delta. Protocol (IPC): parent sends `start`, child opens the
// students' event streams and answers `ready`; parent sends `go`, child answers `started`; parent sends `stop`, child
// sends no new prompt, waits for those in flight to be answered, and answers `result`.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { summarize, type Summary } from './stats';

export interface FloodStart {
  type: 'start';
  baseUrl: string;
  headers: Record<string, string>;
  sessionIds: string[];
  /** The prompt's body (the synchronous route: it answers when the turn ends). */
  body: unknown;
  thinkMs: number;
  turnMs: number;
  /** The students' first prompts are spread evenly over this long (0: all at once). */
  rampMs: number;
}

export interface FloodResult {
  type: 'result';
  answered: number;
  failed: number;
  /** From `go` to the last prompt answered (ms). */
  spanMs: number;
  /** Prompt sent → answer received, of the answered prompts. */
  latency: Summary;
  /** This process's event-loop delay p99 (ms) while flooding. */
  loopDelayP99: number;
}

let stopping = false;
const stopped = new AbortController();
// Every student's think pause listens on it: a hundred listeners are expected.
setMaxListeners(0, stopped.signal);

const count = { answered: 0, failed: 0, lastAt: 0 };
const latencies: number[] = [];

/** The student's stream, drained unread: the server fans the turn's events out to it as to any client. */
function openStream(s: FloodStart, sessionId: string): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${s.baseUrl}/event?sessionID=${sessionId}`, { headers: s.headers }, (r) => {
      r.resume();
      if (r.statusCode === 200) resolve(req);
      else reject(new Error(`GET /event: HTTP ${r.statusCode}`));
    });
    req.on('error', reject);
  });
}

async function student(s: FloodStart, sessionId: string, delayMs: number) {
  if (delayMs) await sleep(delayMs, undefined, { signal: stopped.signal }).catch(() => undefined);
  while (!stopping) {
    const t0 = performance.now();
    try {
      // In flight when the parent stops: still waited for (a prompt accepted must be answered, nothing dropped).
      const res = await fetch(`${s.baseUrl}/session/${sessionId}/message`, {
        method: 'POST',
        headers: { ...s.headers, 'content-type': 'application/json' },
        body: JSON.stringify(s.body),
        signal: AbortSignal.timeout(s.turnMs),
      });
      await res.arrayBuffer();
      if (res.ok) {
        count.answered++;
        latencies.push(performance.now() - t0);
        count.lastAt = performance.now();
      } else count.failed++;
    } catch {
      count.failed++;
    }
    if (!stopping) await sleep(s.thinkMs, undefined, { signal: stopped.signal }).catch(() => undefined);
  }
}

// `start` carries the flood; the streams are opened and `ready` answered; `go` starts the prompts, so the parent
// can fork early and start the flood the moment the solo phase ends.
let spec: FloodStart | undefined;
const streams: http.ClientRequest[] = [];
process.on('message', (m: { type: string }) => {
  if (m.type === 'start') {
    spec = m as FloodStart;
    const s = spec;
    void (async () => {
      for (const id of s.sessionIds) streams.push(await openStream(s, id));
      process.send!({ type: 'ready' });
    })().catch((err: Error) => {
      process.stderr.write(`flood-load: ${err.message}\n`);
      process.exit(1);
    });
  } else if (m.type === 'go' && spec) {
    const s = spec;
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const goAt = performance.now();
    const n = s.sessionIds.length;
    const all = Promise.all(s.sessionIds.map((id, i) => student(s, id, (s.rampMs * i) / n)));
    process.send!({ type: 'started' });
    process.on('message', (n: { type: string }) => {
      if (n.type !== 'stop') return;
      stopping = true;
      stopped.abort();
      void all.then(() => {
        lag.disable();
        for (const r of streams) r.destroy();
        const result: FloodResult = {
          type: 'result',
          answered: count.answered,
          failed: count.failed,
          spanMs: count.lastAt ? count.lastAt - goAt : 0,
          latency: summarize(latencies),
          loopDelayP99: lag.percentile(99) / 1e6,
        };
        process.send!(result, () => process.exit(0));
      });
    });
  }
});
