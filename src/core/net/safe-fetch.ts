import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { pipeline, type Readable } from 'node:stream';
import { FetchFailedError, UnsafeUrlError } from './net.errors';
import { assertPublicUrl, type ResolvedAddress, type UrlGuardOptions } from './ssrf-guard';

export interface SafeFetchOptions extends UrlGuardOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /** Largest (decompressed) body accepted. */
  maxBytes?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  maxRedirects?: number;
}

export interface SafeResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Final URL after redirects. */
  url: string;
  body: Buffer;
  redirects: string[];
}

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * GET/HEAD for URLs chosen by a model. Every hop is checked with assertPublicUrl, and the connection is
 * pinned to the addresses that check approved (a custom `lookup`), so a second DNS answer can't swap in a
 * private address between check and connect. Redirects are followed by hand, at most `maxRedirects`.
 */
export async function safeFetch(input: string | URL, options: SafeFetchOptions = {}): Promise<SafeResponse> {
  const maxRedirects = options.maxRedirects ?? 5;
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const redirects: string[] = [];
  let current = String(input);
  for (;;) {
    const checked = await assertPublicUrl(current, options);
    const response = await requestOnce(checked.url, checked.addresses, options, signal);
    const location = response.headers.location;
    if (!REDIRECTS.has(response.statusCode ?? 0) || !location) {
      const body = await readBody(response, options.maxBytes ?? DEFAULT_MAX_BYTES, checked.url.href, signal);
      return { status: response.statusCode ?? 0, headers: response.headers, url: checked.url.href, body, redirects };
    }
    response.resume();
    if (redirects.length >= maxRedirects) {
      throw new FetchFailedError(`Too many redirects (more than ${maxRedirects})`, 'too_many_redirects', {
        url: current,
      });
    }
    let next: URL;
    try {
      next = new URL(location, checked.url);
    } catch {
      throw new UnsafeUrlError(`Invalid redirect location ${location}`, current);
    }
    redirects.push(next.href);
    current = next.href;
  }
}

/** A lookup that ignores DNS and hands out the addresses already checked. */
export function pinnedLookup(addresses: ResolvedAddress[]): LookupFunction {
  return ((_hostname: string, options: { all?: boolean; family?: number }, callback: (...args: unknown[]) => void) => {
    const wanted =
      options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    const list = wanted.length ? wanted : addresses;
    if (options.all)
      callback(
        null,
        list.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, list[0].address, list[0].family);
  }) as unknown as LookupFunction;
}

function requestOnce(
  url: URL,
  addresses: ResolvedAddress[],
  options: SafeFetchOptions,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: options.method ?? 'GET',
        headers: { 'accept-encoding': 'gzip, deflate, br', ...options.headers, host: url.host },
        lookup: pinnedLookup(addresses),
        // A fresh connection per hop: a pooled socket could belong to an earlier, differently-resolved host.
        agent: false,
        signal,
      },
      resolve,
    );
    request.once('error', (error) => reject(failure(error, signal, url.href)));
    request.end();
  });
}

async function readBody(
  response: IncomingMessage,
  maxBytes: number,
  url: string,
  signal: AbortSignal,
): Promise<Buffer> {
  const declared = Number(response.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.destroy();
    throw new FetchFailedError(`Response too large (${declared} bytes, limit ${maxBytes})`, 'response_too_large', {
      url,
    });
  }
  const stream = decoded(response);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += (chunk as Buffer).length;
      // Counted after decompression, so a small gzip bomb can't expand past the limit.
      if (size > maxBytes) {
        response.destroy();
        throw new FetchFailedError(`Response too large (over ${maxBytes} bytes)`, 'response_too_large', { url });
      }
      chunks.push(chunk as Buffer);
    }
  } catch (error) {
    if (error instanceof FetchFailedError) throw error;
    throw failure(error as Error, signal, url);
  }
  return Buffer.concat(chunks);
}

/** The body with its content-encoding undone; a failure of the response (abort, reset) reaches the reader. */
export function decoded(response: IncomingMessage): Readable {
  const encoding = String(response.headers['content-encoding'] ?? '').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  if (!decoder) return response;
  pipeline(response, decoder, () => undefined);
  return decoder;
}

function failure(error: Error, signal: AbortSignal | undefined, url: string): Error {
  if (signal?.aborted) {
    const reason = signal.reason as Error | undefined;
    if (reason?.name === 'TimeoutError') return new FetchFailedError('Request timed out', 'timeout', { url });
    return new FetchFailedError('Request aborted', 'aborted', { url });
  }
  return new FetchFailedError(`Request failed: ${error.message}`, 'request_failed', { url });
}
