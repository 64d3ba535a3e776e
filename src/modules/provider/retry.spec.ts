import { isRetryable, retryDelayMs, retryMessage, toMessageError } from './retry';
import { ProviderError } from './provider.types';

const pe = (
  kind: ConstructorParameters<typeof ProviderError>[0],
  info: ConstructorParameters<typeof ProviderError>[3] = {},
) => new ProviderError(kind, `${kind} happened`, 'openai', info);

describe('toMessageError', () => {
  it("maps each provider error kind to OpenCode's assistant error object", () => {
    expect(toMessageError(pe('auth', { statusCode: 401 }))).toEqual({
      name: 'ProviderAuthError',
      data: {
        providerID: 'openai',
        message:
          "The model provider refused the credentials (HTTP 401). An administrator can find the provider's full answer in the server log.",
      },
    });
    expect(toMessageError(pe('context_overflow', { statusCode: 400, responseBody: '{"x":1}' }))).toEqual({
      name: 'ContextOverflowError',
      data: {
        message:
          "The conversation is too long for the model's context window (HTTP 400). An administrator can find the provider's full answer in the server log.",
      },
    });
    expect(toMessageError(pe('output_length'))).toEqual({ name: 'MessageOutputLengthError', data: {} });
    expect(toMessageError(pe('aborted'))).toEqual({
      name: 'MessageAbortedError',
      data: { message: 'The operation was aborted.' },
    });
    expect(
      toMessageError(
        pe('rate_limit', { statusCode: 429, responseHeaders: { 'retry-after': '3' }, responseBody: '{}' }),
      ),
    ).toEqual({
      name: 'APIError',
      // The provider's text, body and headers stay out of what is stored on the message (students read it).
      data: {
        message:
          "The model provider is limiting the request rate (HTTP 429). An administrator can find the provider's full answer in the server log.",
        statusCode: 429,
        isRetryable: true,
      },
    });
    expect(toMessageError(pe('network'))).toEqual({
      name: 'APIError',
      data: {
        message:
          "The model provider could not be reached. An administrator can find the provider's full answer in the server log.",
        isRetryable: true,
      },
    });
  });

  it('maps aborts and anything else', () => {
    const abort = new Error('This operation was aborted');
    abort.name = 'AbortError';
    expect(toMessageError(abort)).toEqual({
      name: 'MessageAbortedError',
      data: { message: 'This operation was aborted' },
    });
    expect(toMessageError(new TypeError('boom'))).toEqual({ name: 'UnknownError', data: { message: 'boom' } });
    expect(toMessageError('plain')).toEqual({ name: 'UnknownError', data: { message: 'plain' } });
    const already = { name: 'APIError', data: { message: 'x', isRetryable: false } };
    expect(toMessageError(already)).toEqual(already);
  });
});

describe('isRetryable', () => {
  it.each([
    ['rate limit', pe('rate_limit', { statusCode: 429 }), true],
    ['overloaded', pe('overloaded', { statusCode: 529 }), true],
    ['500', pe('api', { statusCode: 500 }), true],
    ['network reset', pe('network'), true],
    ['400', pe('api', { statusCode: 400, isRetryable: false }), false],
    ['quota 429', pe('api', { statusCode: 429, isRetryable: false }), false],
    ['overflow', pe('context_overflow', { statusCode: 400 }), false],
    ['auth', pe('auth', { statusCode: 401 }), false],
    ['aborted', pe('aborted'), false],
  ])('%s → %s', (_n, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });

  it('follows the message and body rules', () => {
    expect(isRetryable(new Error('Rate limit reached for requests'))).toBe(true);
    expect(isRetryable(new Error('429 Too Many Requests'))).toBe(true);
    expect(isRetryable(new Error('Your rate increased too quickly'))).toBe(true);
    expect(isRetryable(new Error('Something else'))).toBe(false);
    expect(
      isRetryable({
        name: 'APIError',
        data: {
          message: 'x',
          statusCode: 400,
          isRetryable: false,
          responseBody: '{"error":{"code":"resource_exhausted"}}',
        },
      }),
    ).toBe(true);
    expect(
      isRetryable({
        name: 'APIError',
        data: {
          message: 'x',
          statusCode: 400,
          isRetryable: false,
          responseBody: '{"type":"error","error":{"type":"too_many_requests"}}',
        },
      }),
    ).toBe(true);
    expect(
      isRetryable({
        name: 'APIError',
        data: {
          message: 'x',
          statusCode: 400,
          isRetryable: false,
          responseBody: '{"error":{"code":"model_rate_limit"}}',
        },
      }),
    ).toBe(true);
  });
});

describe('retryDelayMs', () => {
  const now = Date.parse('2026-11-24T05:00:00Z');
  it('prefers retry-after-ms, then retry-after seconds, then an HTTP date', () => {
    expect(
      retryDelayMs(1, pe('rate_limit', { responseHeaders: { 'retry-after-ms': '1500', 'retry-after': '9' } }), now),
    ).toBe(1500);
    expect(retryDelayMs(1, pe('rate_limit', { responseHeaders: { 'Retry-After': '7' } }), now)).toBe(7000);
    expect(
      retryDelayMs(1, pe('rate_limit', { responseHeaders: { 'retry-after': 'Tue, 24 Nov 2026 05:00:12 GMT' } }), now),
    ).toBe(12_000);
    expect(
      retryDelayMs(1, pe('rate_limit', { responseHeaders: { 'retry-after': 'Tue, 24 Nov 2026 04:59:00 GMT' } }), now),
    ).toBe(0);
  });

  it('doubles from 2 s, capped at 30 s without headers and only at 2^31-1 ms with them', () => {
    const bare = pe('network');
    expect([1, 2, 3, 4, 5, 6, 10].map((a) => retryDelayMs(a, bare, now))).toEqual([
      2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
    const withHeaders = pe('api', { statusCode: 500, responseHeaders: { 'x-request-id': 'r' } });
    expect(retryDelayMs(6, withHeaders, now)).toBe(64_000);
    expect(retryDelayMs(40, withHeaders, now)).toBe(2 ** 31 - 1);
  });

  it('gives a status message', () => {
    expect(retryMessage(pe('rate_limit'))).toBe(
      "The model provider is limiting the request rate. An administrator can find the provider's full answer in the server log.",
    );
    expect(retryMessage(pe('network', { ownMessage: true }))).toBe('network happened');
  });
});
