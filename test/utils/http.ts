// A small JSON client over fetch for e2e tests: every call resolves (no throw on 4xx/5xx) with status, parsed
// body and headers, so a test can assert on error bodies as easily as on results.

export interface HttpResult<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

export interface RequestOptions {
  key?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  /** Sent as JSON unless it is a string or bytes (sent raw with the given content-type header). */
  body?: unknown;
}

export async function request<T = any>(
  baseUrl: string,
  method: string,
  route: string,
  opts: RequestOptions = {},
): Promise<HttpResult<T>> {
  const url = new URL(route, baseUrl);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | Uint8Array | undefined;
  if (opts.body !== undefined) {
    if (typeof opts.body === 'string' || opts.body instanceof Uint8Array) body = opts.body;
    else {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Binds a base URL and a key: `const as = client(app.url, key); await as.get('/project')`. */
export function client(baseUrl: string, key?: string) {
  const call =
    (method: string) =>
    (route: string, opts: Omit<RequestOptions, 'key'> = {}) =>
      request(baseUrl, method, route, { key, ...opts });
  return { get: call('GET'), post: call('POST'), patch: call('PATCH'), put: call('PUT'), delete: call('DELETE'), key };
}

export type Client = ReturnType<typeof client>;
