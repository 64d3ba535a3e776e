import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import express from 'express';
import { SseWriter } from './sse';

// The writer against a real HTTP server and a raw socket, so the bytes on the wire are what is checked: the frames
// of one turn in one chunk whose size counts bytes, not characters, and a response without chunked encoding
// (an HTTP/1.0 client) written through the response as before.

let server: http.Server;
let port: number;

beforeAll(async () => {
  const app = express();
  app.get('/sse', (req, res) => {
    const sse = new SseWriter(req, res);
    sse.send({ text: 'café' }, '1-1');
    sse.sendJson('{"n":2}');
    // Closed in a later turn: the frames above went out at the end of theirs.
    setImmediate(() => setImmediate(() => sse.close()));
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** The raw response to `request`, read until the server's last chunk (or the close of an HTTP/1.0 response). */
async function raw(request: string, ends: (text: string) => boolean): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  socket.setEncoding('utf8');
  socket.write(request);
  let text = '';
  for await (const piece of socket) {
    text += piece as string;
    if (ends(text)) break;
  }
  socket.destroy();
  return text;
}

const FRAMES = 'id: 1-1\ndata: {"text":"café"}\n\ndata: {"n":2}\n\n';

it("writes one turn's frames as one chunk, sized in bytes, and ends with the last chunk", async () => {
  const text = await raw('GET /sse HTTP/1.1\r\nHost: test\r\n\r\n', (t) => t.endsWith('\r\n0\r\n\r\n'));
  const at = text.indexOf('\r\n\r\n');
  const [head, body] = [text.slice(0, at), text.slice(at + 4)];
  expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  expect(head.toLowerCase()).toContain('content-type: text/event-stream');
  expect(head.toLowerCase()).toContain('transfer-encoding: chunked');
  expect(body).toBe(`${Buffer.byteLength(FRAMES).toString(16)}\r\n${FRAMES}\r\n0\r\n\r\n`);
  expect(Buffer.byteLength(FRAMES)).toBe(FRAMES.length + 1); // the é: two bytes, one character
});

it('writes the frames through the response when it is not chunked (an HTTP/1.0 client)', async () => {
  const text = await raw('GET /sse HTTP/1.0\r\nHost: test\r\n\r\n', () => false);
  const at = text.indexOf('\r\n\r\n');
  expect(text.slice(0, at).toLowerCase()).not.toContain('transfer-encoding');
  expect(text.slice(at + 4)).toBe(FRAMES);
});
