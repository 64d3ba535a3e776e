import { ProviderError, type ProviderErrorKind } from '../provider.types';

// Wordings vendors use for "prompt does not fit the context window" (OpenAI, Anthropic, Gemini, Bedrock,
// Mistral, Groq, OpenRouter, vLLM, Ollama, llama.cpp, LM Studio ...). Matched case-insensitively.
const OVERFLOW_PATTERNS = [
  /prompt is too long/i,
  /input is too long/i,
  /exceeds? (the )?(model'?s? )?(maximum )?context (window|length)/i,
  /maximum context length/i,
  /context[_ ]length[_ ]exceeded/i,
  /reduce the length of the (messages|prompt|input)/i,
  /exceeds the maximum number of tokens/i,
  /input token count .* exceeds/i,
  /too many (input )?tokens/i,
  /context window (is )?(exceeded|full)/i,
  /requested \d+ tokens.*context/i,
  /greater than the context length/i,
  /prompt too long/i,
  /request too large for model/i,
];

export function isContextOverflowMessage(text: string | undefined): boolean {
  if (!text) return false;
  return OVERFLOW_PATTERNS.some((re) => re.test(text));
}

export function headersToRecord(headers: unknown): Record<string, string> | undefined {
  if (!headers) return undefined;
  const out: Record<string, string> = {};
  if (typeof (headers as Headers).forEach === 'function' && typeof (headers as Headers).get === 'function') {
    (headers as Headers).forEach((value, key) => (out[key.toLowerCase()] = value));
    return out;
  }
  if (typeof headers === 'object') {
    for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
      if (value !== undefined && value !== null)
        out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    return out;
  }
  return undefined;
}

function bodyText(body: unknown): string | undefined {
  if (body === undefined || body === null) return undefined;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

/** The most specific human message inside a vendor error body. */
export function messageFromBody(body: unknown): string | undefined {
  if (!body) return undefined;
  if (typeof body === 'string') {
    try {
      return messageFromBody(JSON.parse(body)) ?? body;
    } catch {
      return body;
    }
  }
  const b = body as { error?: unknown; message?: unknown };
  if (typeof b.message === 'string') return b.message;
  if (b.error && typeof b.error === 'object' && typeof (b.error as { message?: unknown }).message === 'string') {
    return (b.error as { message: string }).message;
  }
  if (typeof b.error === 'string') return b.error;
  return undefined;
}

function codesFromBody(body: unknown): string[] {
  if (!body || typeof body !== 'object') return [];
  const e = ((body as { error?: unknown }).error ?? body) as Record<string, unknown>;
  return [e.code, e.type, e.status].filter((v): v is string => typeof v === 'string');
}

/**
 * A vendor code users may see: one plain word of letters and `_`/`-`/`.` (`rate_limit_exceeded`, `ECONNREFUSED`).
 * No digits, so no account, organisation, request or key id fits in it.
 */
const PLAIN_CODE = /^[A-Za-z][A-Za-z_.-]{1,48}$/;

function plainCode(codes: (string | undefined)[]): string | undefined {
  return codes.find((code): code is string => code !== undefined && PLAIN_CODE.test(code));
}

export interface HttpFailure {
  providerId: string;
  status: number;
  message?: string;
  headers?: unknown;
  body?: unknown;
  /** The response body exactly as received, kept for `APIError.responseBody`. */
  rawBody?: string;
  cause?: unknown;
}

/** Classify an HTTP error response the way OpenCode's message errors need it. */
export function fromHttpFailure(f: HttpFailure): ProviderError {
  const text = messageFromBody(f.body) ?? f.message ?? `HTTP ${f.status}`;
  const codes = codesFromBody(f.body);
  const code = codes.join(' ');
  const info = {
    providerCode: plainCode(codes),
    statusCode: f.status || undefined,
    responseHeaders: headersToRecord(f.headers),
    responseBody: f.rawBody ?? bodyText(f.body),
    cause: f.cause,
  };
  let kind: ProviderErrorKind = 'api';
  let isRetryable: boolean | undefined;
  if (f.status === 413 || isContextOverflowMessage(text) || /context_length_exceeded/.test(code)) {
    kind = 'context_overflow';
    isRetryable = false;
  } else if (
    f.status === 401 ||
    f.status === 403 ||
    /authentication|permission_denied|unauthenticated|invalid_api_key/i.test(code) ||
    /api key not valid|invalid api key|incorrect api key/i.test(text)
  ) {
    kind = 'auth';
    isRetryable = false;
  } else if (/insufficient_quota|billing/i.test(code)) {
    // A spent quota is a 429 that no amount of waiting fixes.
    isRetryable = false;
  } else if (f.status === 429 || /rate_limit|too_many_requests|resource_exhausted/i.test(code)) {
    kind = 'rate_limit';
  } else if (f.status === 529 || f.status === 503 || /overloaded|unavailable/i.test(code)) {
    kind = 'overloaded';
  } else if (f.status === 408 || f.status === 409) {
    isRetryable = true;
  } else if (!f.status) {
    // An error event inside a 200 stream: the vendor failed mid-answer, which is worth another try.
    isRetryable = /auth|invalid_request|not_found|permission/i.test(code) ? false : true;
  }
  return new ProviderError(kind, text, f.providerId, { ...info, isRetryable });
}

const NETWORK_CODES =
  /ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|UND_ERR_|ERR_STREAM_PREMATURE_CLOSE/;

function chainOf(error: unknown): { name?: string; message?: string; code?: string }[] {
  const out: { name?: string; message?: string; code?: string }[] = [];
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    const x = e as { name?: string; message?: string; code?: string; cause?: unknown };
    out.push({ name: x.name, message: x.message, code: typeof x.code === 'string' ? x.code : undefined });
    e = x.cause;
  }
  return out;
}

export function isAbortLike(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return chainOf(error).some((e) => e.name === 'AbortError' || e.name === 'APIUserAbortError');
}

/**
 * Anything thrown that is not an HTTP status: aborts, timeouts, resets, broken streams. Timeouts and
 * resets are retryable (OpenCode retries ECONNRESET and header/stream timeouts).
 */
export function fromThrown(providerId: string, error: unknown, signal?: AbortSignal): ProviderError {
  if (error instanceof ProviderError) return error;
  if (isAbortLike(error, signal) && signal?.aborted)
    return new ProviderError('aborted', 'The operation was aborted.', providerId, { cause: error, isRetryable: false });
  const chain = chainOf(error);
  const top = chain[0] ?? {};
  const message = top.message ?? String(error);
  const networkish = chain.some(
    (e) =>
      (e.code && NETWORK_CODES.test(e.code)) ||
      /terminated|socket hang up|fetch failed|other side closed|ECONNRESET|network|timed? ?out|premature close|Connection error/i.test(
        e.message ?? '',
      ) ||
      e.name === 'APIConnectionError' ||
      e.name === 'APIConnectionTimeoutError' ||
      e.name === 'TimeoutError' ||
      e.name === 'AbortError',
  );
  const providerCode = plainCode(chain.map((e) => e.code));
  if (networkish)
    return new ProviderError('network', message, providerId, { cause: error, isRetryable: true, providerCode });
  if (top.name === 'SyntaxError' || /JSON/.test(message)) {
    return new ProviderError('api', `Invalid response from provider: ${message}`, providerId, {
      cause: error,
      isRetryable: false,
    });
  }
  return new ProviderError('api', message, providerId, { cause: error, isRetryable: false });
}

/** A ProviderError anywhere in the cause chain (SDKs wrap what our fetch wrapper throws). */
export function findProviderError(error: unknown): ProviderError | undefined {
  let e: unknown = error;
  for (let depth = 0; e && typeof e === 'object' && depth < 6; depth++) {
    if (e instanceof ProviderError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Wraps fetch so a non-2xx answer becomes a classified ProviderError carrying the raw body and headers,
 * which the SDKs' own error objects do not keep verbatim. SDKs rethrow it (wrapped) as a connection error.
 */
export function errorCapturingFetch(
  providerId: string,
  base: (input: string | URL | Request, init?: RequestInit) => Promise<Response> = fetch,
) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await base(input, init);
    if (response.ok) return response;
    const rawBody = await response.text().catch(() => '');
    throw fromErrorResponse(providerId, response, rawBody);
  };
}

/** A non-2xx response, its body read whole (JSON when it parses), as the ProviderError it stands for. */
export function fromErrorResponse(
  providerId: string,
  response: { status: number; statusText: string; headers: Headers },
  rawBody: string,
): ProviderError {
  let body: unknown = rawBody;
  try {
    body = JSON.parse(rawBody);
  } catch {
    // not JSON: keep the text
  }
  return fromHttpFailure({
    providerId,
    status: response.status,
    message: response.statusText,
    headers: response.headers,
    body,
    rawBody: rawBody || undefined,
  });
}

const UNDICI_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * @google/genai hands fetch a custom undici `dispatcher` that needs Node's global dispatcher, which sandboxes
 * such as Jest's VM context hide; drop it there so requests still go out (with undici's default timeouts).
 */
export function dispatcherSafeFetch(
  base: (input: string | URL | Request, init?: RequestInit) => Promise<Response> = fetch,
) {
  return (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (init && 'dispatcher' in init && !(globalThis as Record<symbol, unknown>)[UNDICI_DISPATCHER]) {
      const { dispatcher: _dropped, ...rest } = init as RequestInit & { dispatcher?: unknown };
      return base(input, rest);
    }
    return base(input, init);
  };
}
