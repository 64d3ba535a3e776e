import { z } from 'zod';
import { ProviderError } from './provider.types';
import { publicProviderMessage } from './public-message';

// OpenCode's assistant-message errors and its retry rules (session/retry.ts): retry until success, a
// non-retryable error or abort — there is no attempt limit, only the delay grows.

export const messageErrorSchema = z.discriminatedUnion('name', [
  z.object({ name: z.literal('ProviderAuthError'), data: z.object({ providerID: z.string(), message: z.string() }) }),
  z.object({ name: z.literal('UnknownError'), data: z.object({ message: z.string(), ref: z.string().optional() }) }),
  z.object({ name: z.literal('MessageOutputLengthError'), data: z.object({}) }),
  z.object({ name: z.literal('MessageAbortedError'), data: z.object({ message: z.string() }) }),
  z.object({
    name: z.literal('ContextOverflowError'),
    data: z.object({ message: z.string(), responseBody: z.string().optional() }),
  }),
  z.object({
    name: z.literal('APIError'),
    data: z.object({
      message: z.string(),
      statusCode: z.number().optional(),
      isRetryable: z.boolean(),
      responseHeaders: z.record(z.string(), z.string()).optional(),
      responseBody: z.string().optional(),
      metadata: z.record(z.string(), z.string()).optional(),
    }),
  }),
]);
export type MessageError = z.infer<typeof messageErrorSchema>;

const RATE_LIMIT_TEXT = /rate limit|too many requests|rate increased too quickly/i;
const MAX_DELAY = 2 ** 31 - 1;
const BASE_DELAY = 2000;
const NO_HEADER_CAP = 30_000;

function isAbort(error: unknown): boolean {
  const e = error as { name?: string } | undefined;
  return e?.name === 'AbortError' || (error instanceof ProviderError && error.kind === 'aborted');
}

/**
 * Provider errors, thrown errors and already-built message errors all map to OpenCode's shapes. The provider's
 * raw response body, headers and its own error text are left out: the message is stored on the session, which
 * students read, and they can carry account ids, key fragments or whatever a misconfigured endpoint echoes. They
 * go to the log (providerErrorLog) instead; the message says what kind of failure it was (publicProviderMessage).
 */
export function toMessageError(error: unknown): MessageError {
  const parsed = messageErrorSchema.safeParse(error);
  if (parsed.success) return parsed.data;
  if (error instanceof ProviderError && error.kind === 'aborted')
    return { name: 'MessageAbortedError', data: { message: publicProviderMessage(error) } };
  if (isAbort(error))
    return { name: 'MessageAbortedError', data: { message: (error as Error).message || 'The operation was aborted.' } };
  if (error instanceof ProviderError) {
    const message = publicProviderMessage(error);
    switch (error.kind) {
      case 'auth':
        return { name: 'ProviderAuthError', data: { providerID: error.providerId, message } };
      case 'context_overflow':
        return { name: 'ContextOverflowError', data: { message } };
      case 'output_length':
        return { name: 'MessageOutputLengthError', data: {} };
      default:
        return {
          name: 'APIError',
          data: {
            message,
            ...(error.info.statusCode !== undefined ? { statusCode: error.info.statusCode } : {}),
            isRetryable: error.isRetryable,
          },
        };
    }
  }
  const message =
    error instanceof Error
      ? error.message
      : typeof error === 'string'
        ? error
        : (JSON.stringify(error) ?? String(error));
  return { name: 'UnknownError', data: { message } };
}

function bodySaysRetry(body: string | undefined): boolean {
  if (!body) return false;
  try {
    const json = JSON.parse(body) as { error?: { type?: unknown; code?: unknown }; type?: unknown; code?: unknown };
    const err = json.error ?? json;
    const type = String(err.type ?? '');
    const code = String(err.code ?? '');
    return type === 'too_many_requests' || /exhausted|unavailable/i.test(code) || /rate_limit/i.test(code);
  } catch {
    return false;
  }
}

/** OpenCode's rule: never overflow or auth; APIError when flagged or 5xx; rate-limit wording anywhere. */
export function isRetryable(error: unknown): boolean {
  const e = toMessageError(error);
  if (
    e.name === 'ContextOverflowError' ||
    e.name === 'ProviderAuthError' ||
    e.name === 'MessageAbortedError' ||
    e.name === 'MessageOutputLengthError'
  )
    return false;
  // The retry rules read the provider's own words, which the stored message no longer carries.
  const message = error instanceof ProviderError ? error.message : e.data.message;
  if (e.name === 'APIError') {
    if (e.data.isRetryable || (e.data.statusCode ?? 0) >= 500) return true;
    if (bodySaysRetry(error instanceof ProviderError ? error.info.responseBody : e.data.responseBody)) return true;
    // A spent quota is explicitly flagged non-retryable by the adapter even though it is a 429.
    if (e.data.statusCode === 429 && e.data.isRetryable === false) return false;
  }
  if (RATE_LIMIT_TEXT.test(message)) return true;
  return bodySaysRetry(message);
}

function headersOf(error: unknown): Record<string, string> | undefined {
  if (error instanceof ProviderError) return error.info.responseHeaders;
  const e = toMessageError(error);
  return e.name === 'APIError' ? e.data.responseHeaders : undefined;
}

/**
 * Delay before retry number `attempt` (1-based): `retry-after-ms`, else `retry-after` (seconds or an HTTP
 * date), else 2 s doubling — capped at 30 s when the provider sent no headers at all.
 */
export function retryDelayMs(attempt: number, error: unknown, now: number = Date.now()): number {
  const headers = headersOf(error);
  if (headers) {
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const ms = Number.parseFloat(lower['retry-after-ms'] ?? '');
    if (Number.isFinite(ms) && ms >= 0) return Math.min(Math.ceil(ms), MAX_DELAY);
    const after = lower['retry-after'];
    if (after !== undefined) {
      const seconds = Number.parseFloat(after);
      if (Number.isFinite(seconds) && /^\s*\d+(\.\d+)?\s*$/.test(after))
        return Math.min(Math.ceil(seconds * 1000), MAX_DELAY);
      const date = Date.parse(after);
      if (Number.isFinite(date)) return Math.min(Math.max(0, date - now), MAX_DELAY);
    }
  }
  const exponential = BASE_DELAY * 2 ** Math.max(0, attempt - 1);
  return Math.min(exponential, headers ? MAX_DELAY : NO_HEADER_CAP);
}

/** What admins need to diagnose a provider failure, for the log only (never stored on a message). */
export function providerErrorLog(error: unknown): Record<string, unknown> | undefined {
  if (!(error instanceof ProviderError)) return undefined;
  const { statusCode, responseHeaders, responseBody } = error.info;
  return {
    providerID: error.providerId,
    kind: error.kind,
    message: error.message.slice(0, 4000),
    statusCode,
    responseHeaders,
    responseBody: responseBody?.slice(0, 4000),
  };
}

/** Text for session status `{type: "retry", message}`. */
export function retryMessage(error: unknown): string {
  const e = toMessageError(error);
  return 'message' in e.data && e.data.message ? e.data.message : e.name;
}
