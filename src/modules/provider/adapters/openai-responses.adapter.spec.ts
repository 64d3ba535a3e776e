import { FakeLlm, contextOverflow, httpError, reply, reset } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { ProviderError } from '../provider.types';
import { OpenAiResponsesLanguageModel } from './openai-responses.adapter';

describe('OpenAiResponsesLanguageModel', () => {
  let llm: FakeLlm;
  let model: OpenAiResponsesLanguageModel;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    model = new OpenAiResponsesLanguageModel('gpt-5', {
      providerId: 'openai',
      apiKey: 'sk-r',
      baseURL: llm.openaiBaseUrl,
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams reasoning summary, text and parallel function calls with usage incl. cached and reasoning tokens', async () => {
    llm.enqueue(
      reply()
        .reasoning('Plan the edit', { signature: 'enc-blob' })
        .text('Doing it')
        .tool('read', { filePath: 'a' }, { id: 'call_1' })
        .tool('grep', { pattern: 'TODO' }, { id: 'call_2' })
        .usage({ input: 1000, output: 300, reasoning: 200, cacheRead: 800 })
        .stop(),
    );
    const { events, error } = await collect(model.stream(baseRequest({ modelId: 'gpt-5' })));
    expect(error).toBeUndefined();
    expect(textOf(events, 'reasoning-delta')).toBe('Plan the edit');
    expect(textOf(events)).toBe('Doing it');
    const reasoningEnd = events.find((e) => e.type === 'reasoning-end');
    expect(reasoningEnd).toMatchObject({ providerMetadata: { openai: { reasoningEncryptedContent: 'enc-blob' } } });
    expect(events.filter((e) => e.type === 'tool-input-start').map((e) => (e as { id: string }).id)).toEqual([
      'call_1',
      'call_2',
    ]);
    expect(
      events
        .filter((e) => e.type === 'tool-input-delta' && e.id === 'call_2')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toBe('{"pattern":"TODO"}');
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'call_1', name: 'read', input: '{"filePath":"a"}' },
      { type: 'tool-call', id: 'call_2', name: 'grep', input: '{"pattern":"TODO"}' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'tool-calls',
      usage: { input: 1000, output: 300, reasoning: 200, cacheRead: 800, cacheWrite: 0 },
    });
  });

  it('sends developer system text, encrypted reasoning, function calls and outputs, reasoning options', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      model.stream(
        baseRequest({
          modelId: 'gpt-5',
          system: ['Be terse'],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'hi' },
                { type: 'file', mime: 'image/jpeg', url: 'data:image/jpeg;base64,QQ==' },
              ],
            },
            {
              role: 'assistant',
              content: [
                {
                  type: 'reasoning',
                  text: 'sum',
                  providerMetadata: { openai: { itemId: 'rs_1', reasoningEncryptedContent: 'ENC' } },
                },
                { type: 'text', text: 'Let me look' },
                { type: 'tool-call', id: 'call_9', name: 'read', input: { filePath: 'f' } },
              ],
            },
            { role: 'tool', content: [{ type: 'tool-result', id: 'call_9', name: 'read', output: 'contents' }] },
          ],
          tools: [{ name: 'read', description: 'Read', inputSchema: { type: 'object' } }],
          maxOutputTokens: 1000,
          providerOptions: { reasoningEffort: 'medium', reasoningSummary: 'auto', promptCacheKey: 'ses_1' },
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/v1/responses');
    expect(sent.headers.authorization).toBe('Bearer sk-r');
    expect(sent.body).toMatchObject({
      model: 'gpt-5',
      stream: true,
      store: false,
      include: ['reasoning.encrypted_content'],
      reasoning: { effort: 'medium', summary: 'auto' },
      max_output_tokens: 1000,
      prompt_cache_key: 'ses_1',
      tool_choice: 'auto',
      tools: [{ type: 'function', name: 'read', description: 'Read', parameters: { type: 'object' }, strict: false }],
    });
    expect(sent.body.input).toEqual([
      { role: 'developer', content: 'Be terse' },
      {
        role: 'user',
        content: [
          { type: 'input_text', text: 'hi' },
          { type: 'input_image', image_url: 'data:image/jpeg;base64,QQ==', detail: 'auto' },
        ],
      },
      { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'sum' }], encrypted_content: 'ENC' },
      { role: 'assistant', content: [{ type: 'output_text', text: 'Let me look' }] },
      { type: 'function_call', call_id: 'call_9', name: 'read', arguments: '{"filePath":"f"}' },
      { type: 'function_call_output', call_id: 'call_9', output: 'contents' },
    ]);
  });

  it('maps an incomplete response (max_output_tokens) to finish "length"', async () => {
    llm.enqueue(reply().text('trunc').length());
    const { events } = await collect(model.stream(baseRequest()));
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  it.each([
    ['429', httpError(429, { 'retry-after': '2' }), 'rate_limit', true],
    ['401', httpError(401), 'auth', false],
    ['overflow', contextOverflow(), 'context_overflow', false],
    ['500', httpError(500), 'api', true],
    ['reset', reset(3), 'network', true],
    ['error event', reply().text('x y z').streamErrorAfter(4), 'api', true],
  ] as const)('maps %s to a ProviderError', async (_n, script, kind, retryable) => {
    llm.enqueue(script);
    const { error } = await collect(model.stream(baseRequest()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, isRetryable: retryable });
  });

  it('keeps retry-after on a Responses 429', async () => {
    llm.enqueue(httpError(429, { 'retry-after': '2' }));
    const { error } = await collect(model.stream(baseRequest()));
    expect((error as ProviderError).info.responseHeaders?.['retry-after']).toBe('2');
  });
});
