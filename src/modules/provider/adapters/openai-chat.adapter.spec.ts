import { FakeLlm, contextOverflow, hang, httpError, malformed, reply, reset } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { ProviderError, type StreamEvent } from '../provider.types';
import { OpenAiChatLanguageModel } from './openai-chat.adapter';

describe('OpenAiChatLanguageModel', () => {
  let llm: FakeLlm;
  let model: OpenAiChatLanguageModel;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    model = new OpenAiChatLanguageModel('gpt-test', {
      providerId: 'openai',
      apiKey: 'sk-test',
      baseURL: llm.openaiBaseUrl,
      headers: { 'x-extra': '1' },
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams reasoning then text as separate blocks and maps usage incl. cache and reasoning', async () => {
    llm.enqueue(
      reply()
        .reasoning('let me think')
        .text('Hello world')
        .usage({ input: 120, output: 40, reasoning: 12, cacheRead: 100 })
        .stop(),
    );
    const { events, error } = await collect(model.stream(baseRequest()));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual([
      'reasoning-start',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-delta',
      'reasoning-end',
      'text-start',
      'text-delta',
      'text-delta',
      'text-end',
      'finish',
    ]);
    expect(textOf(events, 'reasoning-delta')).toBe('let me think');
    expect(textOf(events)).toBe('Hello world');
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'stop',
      usage: { input: 120, output: 40, reasoning: 12, cacheRead: 100, cacheWrite: 0 },
    });
  });

  it('assembles parallel tool calls from streamed argument deltas', async () => {
    llm.enqueue(
      reply()
        .text('Reading both.')
        .tool('read', { filePath: 'src/a.ts' }, { id: 'call_A' })
        .tool('read', { filePath: 'src/b.ts', limit: 20 }, { id: 'call_B' })
        .stop(),
    );
    const { events } = await collect(model.stream(baseRequest()));
    const starts = events.filter((e) => e.type === 'tool-input-start');
    expect(starts).toEqual([
      { type: 'tool-input-start', id: 'call_A', name: 'read' },
      { type: 'tool-input-start', id: 'call_B', name: 'read' },
    ]);
    const deltasB = events.filter(
      (e): e is Extract<StreamEvent, { type: 'tool-input-delta' }> =>
        e.type === 'tool-input-delta' && e.id === 'call_B',
    );
    expect(deltasB.length).toBe(3);
    expect(deltasB.map((d) => d.delta).join('')).toBe('{"filePath":"src/b.ts","limit":20}');
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls).toEqual([
      { type: 'tool-call', id: 'call_A', name: 'read', input: '{"filePath":"src/a.ts"}' },
      { type: 'tool-call', id: 'call_B', name: 'read', input: '{"filePath":"src/b.ts","limit":20}' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'tool-calls' });
  });

  it('sends the OpenCode-shaped request: system, images, tool calls and results, tools, options', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      model.stream(
        baseRequest({
          system: ['Sys one', 'Sys two'],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'look' },
                { type: 'file', mime: 'image/png', url: 'data:image/png;base64,AAAA' },
              ],
            },
            {
              role: 'assistant',
              content: [
                { type: 'reasoning', text: 'hm' },
                { type: 'text', text: 'Calling' },
                { type: 'tool-call', id: 'c1', name: 'read', input: { filePath: 'x' } },
              ],
            },
            {
              role: 'tool',
              content: [
                {
                  type: 'tool-result',
                  id: 'c1',
                  name: 'read',
                  output: 'file body',
                  attachments: [{ mime: 'image/png', url: 'data:image/png;base64,BBBB' }],
                },
              ],
            },
          ],
          tools: [
            {
              name: 'read',
              description: 'Read a file',
              inputSchema: { type: 'object', properties: { filePath: { type: 'string' } } },
            },
          ],
          temperature: 0.3,
          maxOutputTokens: 32000,
          providerOptions: { reasoningEffort: 'high' },
          headers: { 'x-session-affinity': 'ses_1' },
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test');
    expect(sent.headers['x-extra']).toBe('1');
    expect(sent.headers['x-session-affinity']).toBe('ses_1');
    expect(sent.body).toMatchObject({
      model: 'test-model',
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'auto',
      temperature: 0.3,
      max_tokens: 32000,
      reasoning_effort: 'high',
    });
    expect(sent.body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'read',
          description: 'Read a file',
          parameters: { type: 'object', properties: { filePath: { type: 'string' } } },
        },
      },
    ]);
    expect(sent.body.messages).toEqual([
      { role: 'system', content: 'Sys one' },
      { role: 'system', content: 'Sys two' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
        ],
      },
      {
        role: 'assistant',
        content: 'Calling',
        tool_calls: [{ id: 'c1', type: 'function', function: { name: 'read', arguments: '{"filePath":"x"}' } }],
      },
      { role: 'tool', tool_call_id: 'c1', content: 'file body' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Attachments returned by the tool calls above:' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,BBBB' } },
        ],
      },
    ]);
  });

  it('echoes reasoning back for interleaved-thinking models and sends an Azure-style key header', async () => {
    const azure = new OpenAiChatLanguageModel('dep', {
      providerId: 'azure',
      apiKey: 'az-key',
      baseURL: `${llm.url}/openai/v1`,
      authHeader: 'api-key',
      query: { 'api-version': 'preview' },
    });
    llm.enqueue(reply().text('ok').stop());
    await collect(
      azure.stream(
        baseRequest({
          messages: [
            {
              role: 'assistant',
              content: [
                { type: 'reasoning', text: 'why' },
                { type: 'text', text: 'a' },
              ],
            },
          ],
          providerOptions: { interleaved: { field: 'reasoning_content' } },
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/openai/v1/chat/completions');
    expect(sent.query['api-version']).toBe('preview');
    expect(sent.headers['api-key']).toBe('az-key');
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.body.messages[1]).toEqual({ role: 'assistant', content: 'a', reasoning_content: 'why' });
    expect(sent.body.interleaved).toBeUndefined();
  });

  it("goes through a fetch of its own when it has one (the egress guard's), and reads the same events", async () => {
    const seen: string[] = [];
    const guarded = new OpenAiChatLanguageModel('gpt-test', {
      providerId: 'openai',
      apiKey: 'sk-test',
      baseURL: llm.openaiBaseUrl,
      fetch: (input, init) => {
        seen.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    llm.enqueue(reply().text('Hello world').stop());
    const { events, error } = await collect(guarded.stream(baseRequest()));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('Hello world');
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'stop' });
    expect(seen).toEqual([`${llm.openaiBaseUrl}/chat/completions`]);
  });

  it('reports a max-tokens stop as finish "length"', async () => {
    llm.enqueue(reply().text('cut').length());
    const { events } = await collect(model.stream(baseRequest()));
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  const failures: [
    string,
    ReturnType<typeof reply>['stop'] extends () => infer R ? R : never,
    string,
    boolean,
    number | undefined,
  ][] = [
    ['401', httpError(401), 'auth', false, 401],
    ['403', httpError(403), 'auth', false, 403],
    ['429', httpError(429, { 'retry-after': '7', 'x-ratelimit-remaining-requests': '0' }), 'rate_limit', true, 429],
    [
      '429 quota',
      httpError(
        429,
        {},
        {
          error: { message: 'You exceeded your current quota', type: 'insufficient_quota', code: 'insufficient_quota' },
        },
      ),
      'api',
      false,
      429,
    ],
    ['500', httpError(500), 'api', true, 500],
    ['503', httpError(503), 'overloaded', true, 503],
    ['529', httpError(529), 'overloaded', true, 529],
    ['overflow', contextOverflow(), 'context_overflow', false, 400],
    [
      '400',
      httpError(400, {}, { error: { message: 'Invalid schema for function', type: 'invalid_request_error' } }),
      'api',
      false,
      400,
    ],
    ['reset', reset(2), 'network', true, undefined],
    ['reset before headers', reset(0), 'network', true, undefined],
    ['malformed', malformed(2), 'api', false, undefined],
    ['stream error', reply().text('partial answer').streamErrorAfter(2), 'api', true, undefined],
  ];
  it.each(failures)('maps %s to the right ProviderError', async (_name, script, kind, retryable, status) => {
    llm.enqueue(script);
    const { error } = await collect(model.stream(baseRequest()));
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect(e.kind).toBe(kind);
    expect(e.isRetryable).toBe(retryable);
    expect(e.info.statusCode).toBe(status);
    expect(e.providerId).toBe('openai');
  });

  it('keeps response headers and body on rate limits', async () => {
    llm.enqueue(httpError(429, { 'retry-after-ms': '1500' }));
    const { error } = await collect(model.stream(baseRequest()));
    const e = error as ProviderError;
    expect(e.info.responseHeaders?.['retry-after-ms']).toBe('1500');
    expect(JSON.parse(e.info.responseBody!)).toMatchObject({ error: { type: 'rate_limit_exceeded' } });
  });

  it('times out a hung server as a retryable network error, and reports a caller abort as aborted', async () => {
    const impatient = new OpenAiChatLanguageModel('m', {
      providerId: 'openai',
      apiKey: 'k',
      baseURL: llm.openaiBaseUrl,
      timeout: 150,
    });
    llm.enqueue(hang());
    const timedOut = await collect(impatient.stream(baseRequest()));
    expect(timedOut.error).toMatchObject({ kind: 'network', isRetryable: true });

    llm.enqueue(reply().text('a b c d e f g h').delay(40).stop());
    const controller = new AbortController();
    const events: StreamEvent[] = [];
    const run = (async () => {
      for await (const e of model.stream(baseRequest({ abortSignal: controller.signal }))) {
        events.push(e);
        if (e.type === 'text-delta') controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ kind: 'aborted', isRetryable: false });
    expect(events.some((e) => e.type === 'finish')).toBe(false);
  });
});
