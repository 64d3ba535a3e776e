import { createServer } from 'node:net';
import { FakeLlm, httpError, reply } from '../../../test/fakes/llm';
import { baseRequest, collect, plainFetch } from '../../../test/fakes/llm/collect-stream';
import { AnthropicLanguageModel } from './adapters/anthropic.adapter';
import { GoogleLanguageModel } from './adapters/google.adapter';
import { OpenAiChatLanguageModel } from './adapters/openai-chat.adapter';
import { OpenAiResponsesLanguageModel } from './adapters/openai-responses.adapter';
import { ProviderError, type LanguageModel } from './provider.types';
import { providerErrorLog, retryMessage, toMessageError } from './retry';

// What a provider (or a gateway in front of it) may echo in an error: none of it may reach a student.
const SECRETS = [
  'llm-gw.internal.school.example',
  'org-7Hq2KpX9',
  'sk-proj-ABCDEF1234567890',
  'req_8f14e45fceea167a5a36',
  'acct_19283746',
  '10.20.30.40',
];
const HOSTILE_TEXT =
  'Request refused for sk-proj-ABCDEF1234567890abcd. Organization org-7Hq2KpX9 (acct_19283746) at ' +
  'https://llm-gw.internal.school.example:8443/v1/chat/completions via 10.20.30.40, request req_8f14e45fceea167a5a36';
const HOSTILE_BODY = { error: { message: HOSTILE_TEXT, type: 'invalid_request_error', code: 'org-7Hq2KpX9' } };
const HOSTILE_HEADERS = { 'x-request-id': 'req_8f14e45fceea167a5a36', 'openai-organization': 'org-7Hq2KpX9' };

function expectNoSecret(value: unknown): void {
  const text = JSON.stringify(value);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('provider errors as students see them (hostile error bodies from the fake providers)', () => {
  let llm: FakeLlm;
  let models: [string, LanguageModel][];
  beforeAll(async () => {
    llm = await FakeLlm.start();
    models = [
      [
        'openai chat',
        new OpenAiChatLanguageModel('m', { providerId: 'openai', apiKey: 'k', baseURL: llm.openaiBaseUrl }),
      ],
      [
        'openai responses',
        new OpenAiResponsesLanguageModel('m', { providerId: 'openai', apiKey: 'k', baseURL: llm.openaiBaseUrl }),
      ],
      ['anthropic', new AnthropicLanguageModel('m', { providerId: 'anthropic', apiKey: 'k', baseURL: llm.url })],
      [
        'google',
        new GoogleLanguageModel('m', {
          providerId: 'google',
          apiKey: 'k',
          baseURL: llm.url,
          apiVersion: 'v1beta',
          fetch: plainFetch,
        }),
      ],
    ];
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  const cases: [string, () => ReturnType<typeof httpError>, string, number | undefined][] = [
    [
      'a 400 echoing key, org, URL and request id',
      () => httpError(400, HOSTILE_HEADERS, HOSTILE_BODY),
      'APIError',
      400,
    ],
    [
      'a 401 with the key fragment',
      () => httpError(401, HOSTILE_HEADERS, HOSTILE_BODY),
      'ProviderAuthError',
      undefined,
    ],
    ['a 429 with the account id', () => httpError(429, HOSTILE_HEADERS, HOSTILE_BODY), 'APIError', 429],
    [
      'a 502 HTML page from a gateway',
      () => httpError(502, {}, `<html><h1>${HOSTILE_TEXT}</h1></html>`),
      'APIError',
      502,
    ],
    [
      'an error event inside a 200 stream',
      () => reply().text('one two three').streamErrorAfter(1, { status: 500, message: HOSTILE_TEXT }),
      'APIError',
      undefined,
    ],
  ];

  it.each(cases)(
    '%s: OpenCode error shape, safe message, full text only in the admin log',
    async (_n, script, name, status) => {
      for (const [adapter, model] of models) {
        llm.enqueue(script());
        const { error } = await collect(model.stream(baseRequest()));
        expect({ adapter, isProviderError: error instanceof ProviderError }).toEqual({
          adapter,
          isProviderError: true,
        });
        const shown = toMessageError(error);
        expect({ adapter, name: shown.name }).toEqual({ adapter, name });
        if (status !== undefined) expect(shown).toMatchObject({ data: { statusCode: status } });
        expect(shown.data).toHaveProperty('message', expect.stringMatching(/^The model provider /));
        expectNoSecret(shown);
        expectNoSecret(retryMessage(error));
        // Admins still get the provider's own words, in the log.
        expect(JSON.stringify(providerErrorLog(error))).toContain('org-7Hq2KpX9');
      }
    },
  );

  it('keeps a plain vendor code (no digits) so the student still learns what kind of failure it was', async () => {
    llm.enqueue(httpError(429, {}, { error: { message: HOSTILE_TEXT, type: 'rate_limit_exceeded' } }));
    const [, model] = models[0];
    const { error } = await collect(model.stream(baseRequest()));
    expect(toMessageError(error)).toEqual({
      name: 'APIError',
      data: {
        message:
          "The model provider is limiting the request rate (HTTP 429, rate_limit_exceeded). An administrator can find the provider's full answer in the server log.",
        statusCode: 429,
        isRetryable: true,
      },
    });
  });

  it('does not name the address of a provider it could not reach', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    const model = new OpenAiChatLanguageModel('m', {
      providerId: 'openai',
      apiKey: 'k',
      baseURL: `http://127.0.0.1:${port}/v1`,
    });
    const { error } = await collect(model.stream(baseRequest()));
    expect(error).toBeInstanceOf(ProviderError);
    const shown = toMessageError(error);
    expect(shown.name).toBe('APIError');
    expect(JSON.stringify(shown)).not.toContain(String(port));
    expect(JSON.stringify(shown)).not.toContain('127.0.0.1');
  });

  it("shows the server's own messages (a missing key) unchanged", () => {
    const own = new ProviderError('auth', 'No API key for provider openai. Set OPENAI_API_KEY.', 'openai', {
      ownMessage: true,
    });
    expect(toMessageError(own)).toEqual({
      name: 'ProviderAuthError',
      data: { providerID: 'openai', message: 'No API key for provider openai. Set OPENAI_API_KEY.' },
    });
  });
});
