import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { FetchFailedError, UnsafeUrlError } from './net.errors';
import { decoded, pinnedLookup } from './safe-fetch';
import { assertPublicUrl, type ResolvedAddress, type UrlGuardOptions } from './ssrf-guard';

/** The WHATWG `fetch` signature the SDKs (OpenAI, Anthropic, Google, MCP, jose) accept as an override. */
export type GuardedFetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface GuardedFetchOptions extends UrlGuardOptions {
  maxRedirects?: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
// What may follow a redirect to another origin; everything else (authorization, api keys, cookies) stays behind.
const CROSS_ORIGIN_HEADERS = new Set([
  'accept',
  'accept-language',
  'accept-encoding',
  'content-type',
  'user-agent',
  'mcp-protocol-version',
]);

/**
 * A drop-in `fetch` for requests a tenant's configuration points somewhere: every hop is checked by
 * assertPublicUrl, and the socket connects to exactly the addresses that check approved (a pinned `lookup`),
 * so DNS rebinding can't swap in a private address between check and connect. Redirects are followed by hand
 * (each one re-checked, credentials dropped when the origin changes) unless the caller asks for `manual`.
 * Sockets are kept alive per guard; a pooled socket was itself connected only after the same check.
 */
export function createGuardedFetch(options: GuardedFetchOptions = {}): GuardedFetch {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const maxRedirects = options.maxRedirects ?? 5;

  return async (input, init) => {
    const request = new Request(
      input,
      init?.body instanceof ReadableStream ? ({ ...init, duplex: 'half' } as RequestInit) : init,
    );
    let body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    let method = request.method;
    let headers = Object.fromEntries(request.headers);
    if (!headers['accept-encoding']) headers['accept-encoding'] = 'gzip, deflate, br';
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    let current = new URL(request.url);
    for (let hops = 0; ; hops++) {
      const checked = await assertPublicUrl(current, options);
      const response = await send(checked.url, checked.addresses, { method, headers, body, signal }, agents);
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (!REDIRECTS.has(status) || !location || request.redirect === 'manual')
        return toResponse(response, method, checked.url);
      response.resume();
      if (request.redirect === 'error')
        throw new TypeError('fetch failed', { cause: new Error(`Redirected to ${location}`) });
      if (hops >= maxRedirects)
        throw new FetchFailedError(`Too many redirects (more than ${maxRedirects})`, 'too_many_redirects', {
          url: current.href,
        });
      let next: URL;
      try {
        next = new URL(location, checked.url);
      } catch {
        throw new UnsafeUrlError(`Invalid redirect location ${location}`, current.href);
      }
      if (next.origin !== current.origin)
        headers = Object.fromEntries(Object.entries(headers).filter(([name]) => CROSS_ORIGIN_HEADERS.has(name)));
      // As fetch does: 303, and 301/302 after a POST, continue as a GET without the body.
      if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      current = next;
    }
  };
}

interface Outgoing {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
}

function send(
  url: URL,
  addresses: ResolvedAddress[],
  outgoing: Outgoing,
  agents: { http: http.Agent; https: https.Agent },
): Promise<IncomingMessage> {
  const secure = url.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (secure ? https : http).request(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || undefined,
        path: `${url.pathname}${url.search}`,
        method: outgoing.method,
        headers: { ...outgoing.headers, host: url.host },
        lookup: pinnedLookup(addresses),
        agent: secure ? agents.https : agents.http,
        signal: outgoing.signal,
      },
      resolve,
    );
    // Like fetch: network failures are TypeErrors (the MCP SDK and the LLM SDKs classify them that way).
    request.once('error', (error) =>
      reject(
        outgoing.signal?.aborted ? (outgoing.signal.reason ?? error) : new TypeError('fetch failed', { cause: error }),
      ),
    );
    request.end(outgoing.body);
  });
}

function toResponse(message: IncomingMessage, method: string, url: URL): Response {
  const status = message.statusCode ?? 0;
  const headers = new Headers();
  for (let i = 0; i < message.rawHeaders.length; i += 2)
    headers.append(message.rawHeaders[i], message.rawHeaders[i + 1]);
  const empty = NULL_BODY.has(status) || method === 'HEAD';
  if (empty) message.resume();
  const body = empty ? null : (Readable.toWeb(decoded(message)) as ReadableStream<Uint8Array>);
  const response = new Response(body, {
    status: status < 200 || status > 599 ? 502 : status,
    statusText: message.statusMessage,
    headers,
  });
  Object.defineProperty(response, 'url', { value: url.href });
  return response;
}
