import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import { decoded } from '../../../core/net/safe-fetch';

// A streamed reply read as a Node stream, for the adapters whose endpoint is reached with the process's own fetch:
// `fetch` hands the body over through a web ReadableStream, several promises and a copy per network read, and a
// model streams a read per token (measured: 25-27 µs per token against 11 µs for node:http's 'data' events, 500
// streams at 30 tokens/s; bench/README, session 13). An endpoint reached through a fetch of its own (the egress
// guard's) keeps it.

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export interface StreamedResponse {
  status: number;
  statusText: string;
  headers: Headers;
  /** The body as text, decompressed when the server sent it compressed anyway. */
  body: Readable;
}

export interface PostOptions {
  headers: Record<string, string>;
  body: string;
  signal?: AbortSignal;
  /** Until the response's head has arrived (as the SDKs' own timeout: a stream may then run for as long as it does). */
  timeoutMs: number;
}

/** A POST whose promise settles with the response's head; what fails before it (timeout, abort, socket) rejects. */
export function postForStream(url: URL, options: PostOptions): Promise<StreamedResponse> {
  return new Promise((resolve, reject) => {
    const secure = url.protocol === 'https:';
    const request = (secure ? https : http).request(url, {
      method: 'POST',
      agent: secure ? agents.https : agents.http,
      headers: { ...options.headers, 'content-length': String(Buffer.byteLength(options.body)) },
      signal: options.signal,
    });
    const timer = setTimeout(
      () => request.destroy(Object.assign(new Error('Request timed out.'), { name: 'TimeoutError' })),
      options.timeoutMs,
    );
    // `on`: the socket's errors reach the request even after the response arrived (the body reports those).
    request.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    request.once('response', (response) => {
      clearTimeout(timer);
      resolve({
        status: response.statusCode ?? 0,
        statusText: response.statusMessage ?? '',
        headers: headersOf(response),
        body: textOf(response),
      });
    });
    request.end(options.body);
  });
}

function headersOf(response: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = response.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i], raw[i + 1]);
  return headers;
}

/** The body decompressed as the egress guard's fetch does it (a pipeline: leaving one side leaves the other). */
function textOf(response: IncomingMessage): Readable {
  const body = decoded(response);
  body.setEncoding('utf8');
  return body;
}

/** The whole body as text (an error response). */
export async function readAll(body: Readable): Promise<string> {
  let text = '';
  for await (const piece of body) text += piece as string;
  return text;
}

/**
 * Hands each piece of the body to `onText` as it arrives; a promise from it pauses the body until it settles (a
 * consumer that must wait holds the producer, as one awaited read per piece would). Once `done()` says so after a
 * piece, the rest of the body is not read; otherwise `onEnd` sees its end. Settles when the body ended or was left,
 * rejects with the body's error, the caller's abort or what `onText`/`onEnd` threw.
 */
export function pumpText(
  body: Readable,
  handlers: { onText(text: string): void | Promise<void>; onEnd(): void | Promise<void>; done(): boolean },
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    /** The handling of a piece the body is paused for. */
    let waiting: Promise<void> | undefined;
    const finish = (error?: unknown) => {
      if (settled) return;
      settled = true;
      body.off('data', onData);
      signal?.removeEventListener('abort', onAbort);
      if (!body.readableEnded) body.destroy();
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (text: string) => {
      let pending: void | Promise<void>;
      try {
        pending = handlers.onText(text);
      } catch (error) {
        return finish(error);
      }
      if (!pending) {
        if (handlers.done()) finish();
        return;
      }
      body.pause();
      waiting = pending.then(() => {
        waiting = undefined;
        if (settled) return;
        if (handlers.done()) finish();
        else body.resume();
      }, finish);
    };
    const onAbort = () => finish(signal?.reason ?? new Error('The operation was aborted.'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    body.on('data', onData);
    // `on`, not `once`: a second error after the first must not go unhandled.
    body.on('error', finish);
    body.once('close', () => {
      if (!body.readableEnded)
        finish(Object.assign(new Error('terminated: the response ended early'), { code: 'ECONNRESET' }));
    });
    const onEnd = () => {
      // An end already queued when the reading was left still comes.
      if (settled) return;
      let pending: void | Promise<void>;
      try {
        pending = handlers.onEnd();
      } catch (error) {
        return finish(error);
      }
      if (pending) pending.then(() => finish(), finish);
      else finish();
    };
    // A paused body may end while its last piece is still being handled (Node 24 emits 'end' once the buffer is
    // empty, paused or not): the end waits for that piece.
    body.once('end', () => (waiting ? void waiting.then(onEnd) : onEnd()));
  });
}
