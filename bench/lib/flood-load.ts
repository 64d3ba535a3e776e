// The flooding school's students of the fairness scenario, run in a child process (`fork` with tsx) so that their
// hundred request loops and drained streams do not share an event loop with the small schools' measuring client:
// a late client would otherwise read as a late first delta. Protocol (IPC): parent sends `start`, child answers
// `ready`; parent sends `go`, child answers `started`; parent sends `stop`, child ends its loops and answers `result`.
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

export interface FloodStart {
  type: 'start';
  baseUrl: string;
  headers: Record<string, string>;
  sessionIds: string[];
  /** The prompt's body (the synchronous route: it answers when the turn ends). */
  body: unknown;
  thinkMs: number;
  turnMs: number;
}

export interface FloodResult {
  type: 'result';
  answered: number;
  failed: number;
  /** This process's event-loop delay p99 (ms) while flooding. */
  loopDelayP99: number;
}

let stopping = false;
const stopped = new AbortController();
// Every student's request listens on it: a hundred listeners are expected.
setMaxListeners(0, stopped.signal);

async function student(s: FloodStart, sessionId: string, count: { answered: number; failed: number }) {
  // Its own stream, drained unread: the server fans the turn's events out to it as to any client.
  const stream = http.get(`${s.baseUrl}/event?sessionID=${sessionId}`, { headers: s.headers }, (r) => r.resume());
  stream.on('error', () => undefined);
  try {
    while (!stopping) {
      try {
        const res = await fetch(`${s.baseUrl}/session/${sessionId}/message`, {
          method: 'POST',
          headers: { ...s.headers, 'content-type': 'application/json' },
          body: JSON.stringify(s.body),
          signal: AbortSignal.any([stopped.signal, AbortSignal.timeout(s.turnMs)]),
        });
        await res.arrayBuffer();
        if (res.ok) count.answered++;
        else count.failed++;
      } catch {
        if (!stopping) count.failed++;
      }
      if (!stopping) await sleep(s.thinkMs, undefined, { signal: stopped.signal }).catch(() => undefined);
    }
  } finally {
    stream.destroy();
  }
}

// `start` carries the flood and is answered at once (`ready`: this process is loaded); `go` starts it, so the parent
// can fork early and start the flood the moment the solo phase ends.
let spec: FloodStart | undefined;
process.on('message', (m: { type: string }) => {
  if (m.type === 'start') {
    spec = m as FloodStart;
    process.send!({ type: 'ready' });
  } else if (m.type === 'go' && spec) {
    const s = spec;
    const count = { answered: 0, failed: 0 };
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const all = Promise.all(s.sessionIds.map((id) => student(s, id, count)));
    process.send!({ type: 'started' });
    process.on('message', (n: { type: string }) => {
      if (n.type !== 'stop') return;
      stopping = true;
      // The prompts in flight are not waited for: the server finishes or aborts them on its own.
      stopped.abort();
      void all.then(() => {
        lag.disable();
        const result: FloodResult = { type: 'result', ...count, loopDelayP99: lag.percentile(99) / 1e6 };
        process.send!(result, () => process.exit(0));
      });
    });
  }
});
