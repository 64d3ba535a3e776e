import { PassThrough } from 'node:stream';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import zlib from 'node:zlib';
import { postForStream, pumpText, readAll } from './http-stream';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

describe('postForStream / pumpText', () => {
  let server: http.Server;
  let handler: Handler;
  let url: URL;
  beforeAll(async () => {
    server = http.createServer((req, res) => req.resume().on('end', () => handler(req, res)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions?x=1`);
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const post = (signal?: AbortSignal) =>
    postForStream(url, { headers: { 'content-type': 'application/json' }, body: '{"a":1}', signal, timeoutMs: 2000 });

  it('reads each piece as it comes; a held piece holds the next; done() leaves the rest unread', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('one');
      setTimeout(() => res.write('two'), 20);
      setTimeout(() => res.write('three'), 40);
      setTimeout(() => res.end('four'), 60);
    };
    const response = await post();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const log: string[] = [];
    let release!: () => void;
    const pumped = pumpText(response.body, {
      onText: (text) => {
        log.push(text);
        if (text === 'one') return new Promise<void>((resolve) => (release = resolve));
      },
      onEnd: () => void log.push('end'),
      done: () => log.includes('three'),
    });
    await sleep(100);
    expect(log).toEqual(['one']);
    release();
    await pumped;
    // 'two' and 'three' may come as one piece once the body is resumed; 'four' and the end are never read.
    expect(log.join('')).toBe('onetwothree');
  });

  it('decodes a body the server compressed anyway, and sees its end', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('data: {"ok":true}\n\n'));
    };
    const response = await post();
    let text = '';
    await pumpText(response.body, {
      onText: (t) => void (text += t),
      onEnd: () => void (text += '|end'),
      done: () => false,
    });
    expect(text).toBe('data: {"ok":true}\n\n|end');
  });

  it('rejects when the body ends early, when the caller aborts, and on a failing handler', async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    };
    const cut = await post();
    await expect(
      pumpText(cut.body, { onText: () => undefined, onEnd: () => undefined, done: () => false }),
    ).rejects.toThrow();

    handler = (_req, res) => {
      res.writeHead(200);
      res.write('partial');
    };
    const controller = new AbortController();
    const held = await post(controller.signal);
    const reading = pumpText(
      held.body,
      { onText: () => undefined, onEnd: () => undefined, done: () => false },
      controller.signal,
    );
    setTimeout(() => controller.abort(new Error('stopped by the caller')), 20);
    await expect(reading).rejects.toThrow('stopped by the caller');

    const failing = await post();
    const boom = new Error('the consumer failed');
    await expect(
      pumpText(failing.body, { onText: () => Promise.reject(boom), onEnd: () => undefined, done: () => false }),
    ).rejects.toBe(boom);
  });

  it('hands an error response over whole, and times out a server that never answers', async () => {
    handler = (_req, res) => res.writeHead(429, { 'retry-after': '3' }).end('{"error":{"message":"slow down"}}');
    const refused = await post();
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('3');
    expect(await readAll(refused.body)).toBe('{"error":{"message":"slow down"}}');

    handler = () => undefined;
    await expect(postForStream(url, { headers: {}, body: '{}', timeoutMs: 100 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
  });
});

it('ends only once the piece it paused for was handled, when the body ends meanwhile (Node 24 ends a paused body)', async () => {
  const body = new PassThrough({ encoding: 'utf8' });
  const order: string[] = [];
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const pumped = pumpText(body, {
    onText: (text) => (order.push(`text:${text}`), text === 'a' ? held : undefined),
    onEnd: () => void order.push('end'),
    done: () => false,
  });
  body.end('a');
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  expect(order).toEqual(['text:a']);
  release();
  await pumped;
  expect(order).toEqual(['text:a', 'end']);
});
