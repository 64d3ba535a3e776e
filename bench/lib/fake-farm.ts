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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, ms)));

async function serve(m: FarmStream, socket: Socket): Promise<void> {
  let closed = false;
  socket.on('close', () => (closed = true)).on('error', () => (closed = true));
  const script = reply().text(longText(m.tokens)).delay(m.delayMs).stop();
  const ctx = {
    model: m.model,
    usage: defaultUsage(script, m.rawBytes),
    body: m.includeUsage ? { stream_options: { include_usage: true } } : {},
    seq: m.seq,
  };
  socket.write(HEAD);
  // On a fixed schedule (chunk n at start + n × delay), so a late timer does not slow the stream's rate down.
  const start = performance.now();
  let n = 0;
  for (const frame of openAiChatWire.stream(script, ctx)) {
    if (n > 0) await sleep(start + n * m.delayMs - performance.now());
    n++;
    if (closed) return;
    if (!socket.write(`${Buffer.byteLength(frame).toString(16)}\r\n${frame}\r\n`))
      await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  if (!closed) socket.end('0\r\n\r\n');
}

process.on('message', (m: FarmStream, socket?: Socket) => {
  if (socket) void serve(m, socket).catch(() => socket.destroy());
});
