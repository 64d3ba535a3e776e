// A helper process of the bench's fake LLM: it serves long streamed replies (`[bench:stream:…]` of the capacity
// scenario) on sockets the fake hands over after reading the request, so N streams' paced writes are spread over
// several event loops instead of one. The reply is the fake's own OpenAI chat stream, written as a chunked
// HTTP/1.1 response that closes its connection at the end (the socket cannot go back to the fake's server).
import type { Socket } from 'node:net';
import { defaultUsage, reply } from '../../test/fakes/llm/reply';
import { openAiChatWire } from '../../test/fakes/llm/wire/openai-chat.wire';
import { longText } from '../llm';

export interface FarmStream {
  tokens: number;
  delayMs: number;
  model: string;
  seq: number;
  rawBytes: number;
  includeUsage: boolean;
}

const HEAD =
  'HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n' +
  'transfer-encoding: chunked\r\n\r\n';

/** A stream being served: its frames, its schedule (frame n at start + n × delayMs), and whether it waits for a drain. */
interface Live {
  socket: Socket;
  frames: Iterator<string | Buffer>;
  start: number;
  delayMs: number;
  n: number;
  waiting: boolean;
  closed: boolean;
}

// One clock for every stream of this process, not a timer and a promise per frame (30,000 a second at 1,000
// streams): each tick writes the frame of every stream that is due, one frame per stream and tick, as each stream's
// own loop did (a late stream catches up a frame per turn, never several frames in one write). The wire is the
// same: one write per frame, on the same schedule.
const live = new Set<Live>();
let clock: NodeJS.Timeout | undefined;

function tick(): void {
  clock = undefined;
  const now = performance.now();
  let next = Infinity;
  for (const s of live) {
    if (s.closed) {
      live.delete(s);
      continue;
    }
    if (s.waiting) continue;
    const due = s.start + s.n * s.delayMs;
    if (due <= now) writeNext(s);
    if (!s.closed && !s.waiting) next = Math.min(next, s.start + s.n * s.delayMs);
  }
  if (live.size) arm(next - performance.now());
}

function arm(ms: number): void {
  clock ??= setTimeout(tick, Math.max(0, ms));
}

function writeNext(s: Live): void {
  const frame = s.frames.next();
  s.n++;
  if (frame.done) {
    live.delete(s);
    s.closed = true;
    s.socket.end('0\r\n\r\n');
    return;
  }
  if (!s.socket.write(`${Buffer.byteLength(frame.value).toString(16)}\r\n${frame.value}\r\n`)) {
    s.waiting = true;
    s.socket.once('drain', () => {
      s.waiting = false;
      arm(0);
    });
  }
}

function serve(m: FarmStream, socket: Socket): void {
  const script = reply().text(longText(m.tokens)).delay(m.delayMs).stop();
  const ctx = {
    model: m.model,
    usage: defaultUsage(script, m.rawBytes),
    body: m.includeUsage ? { stream_options: { include_usage: true } } : {},
    seq: m.seq,
  };
  const s: Live = {
    socket,
    frames: openAiChatWire.stream(script, ctx)[Symbol.iterator](),
    start: performance.now(),
    delayMs: m.delayMs,
    n: 0,
    waiting: false,
    closed: false,
  };
  socket.on('close', () => (s.closed = true)).on('error', () => (s.closed = true));
  socket.write(HEAD);
  writeNext(s);
  if (!s.closed) live.add(s);
  arm(m.delayMs);
}

process.on('message', (m: FarmStream, socket?: Socket) => {
  if (!socket) return;
  try {
    serve(m, socket);
  } catch {
    socket.destroy();
  }
});
