import { FakeLlm, contextOverflow, httpError, reply, reset } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { ProviderError } from '../provider.types';
import { AnthropicLanguageModel } from './anthropic.adapter';

describe('AnthropicLanguageModel', () => {
  let llm: FakeLlm;
  let model: AnthropicLanguageModel;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    model = new AnthropicLanguageModel('claude-sonnet-4-5', {
      providerId: 'anthropic',
      apiKey: 'ak-1',
      baseURL: llm.url,
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams thinking with its signature, text and parallel tool_use; adds cache tokens to input once', async () => {
    llm.enqueue(
      reply()
        .reasoning('I should read both', { signature: 'SIG==' })
        .text('Reading.')
        .tool('read', { filePath: 'a' }, { id: 'toolu_1' })
        .tool('read', { filePath: 'b' }, { id: 'toolu_2' })
        .usage({ input: 1000, output: 150, cacheRead: 700, cacheWrite: 200 })
        .stop(),
    );
    const { events, error } = await collect(model.stream(baseRequest()));
    expect(error).toBeUndefined();
    expect(textOf(events, 'reasoning-delta')).toBe('I should read both');
    expect(events.find((e) => e.type === 'reasoning-end')).toMatchObject({
      providerMetadata: { anthropic: { signature: 'SIG==' } },
    });
    expect(textOf(events)).toBe('Reading.');
    expect(
      events
        .filter((e) => e.type === 'tool-input-delta' && e.id === 'toolu_2')
        .map((e) => (e as { delta: string }).delta)
        .join(''),
    ).toBe('{"filePath":"b"}');
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'toolu_1', name: 'read', input: '{"filePath":"a"}' },
      { type: 'tool-call', id: 'toolu_2', name: 'read', input: '{"filePath":"b"}' },
    ]);
    // The fake sends input_tokens = 100 (excluding cache); the contract's input is 100 + 700 + 200.
    expect(events.at(-1)).toMatchObject({
      type: 'finish',
      reason: 'tool-calls',
      usage: { input: 1000, output: 150, reasoning: 0, cacheRead: 700, cacheWrite: 200 },
    });
  });

  it('passes redacted thinking through as reasoning metadata', async () => {
    llm.enqueue(reply().redactedThinking('opaque-data').text('hi').stop());
    const { events } = await collect(model.stream(baseRequest()));
    expect(events.find((e) => e.type === 'reasoning-end')).toMatchObject({
      providerMetadata: { anthropic: { redactedData: 'opaque-data' } },
    });
  });

  it('sends system blocks, merged tool results, round-tripped thinking and cache breakpoints', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      model.stream(
        baseRequest({
          system: ['System A', 'System B', 'System C'],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'look at this' },
                { type: 'file', mime: 'image/png', url: 'data:image/png;base64,iVBO' },
              ],
            },
            {
              role: 'assistant',
              content: [
                { type: 'reasoning', text: 'thinking', providerMetadata: { anthropic: { signature: 'S1' } } },
                { type: 'reasoning', text: 'foreign reasoning without signature' },
                { type: 'text', text: '' },
                { type: 'tool-call', id: 'toolu_9', name: 'bash', input: { command: 'ls' } },
              ],
            },
            {
              role: 'tool',
              content: [{ type: 'tool-result', id: 'toolu_9', name: 'bash', output: 'a.txt', isError: true }],
            },
            { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
          ],
          tools: [{ name: 'bash', description: 'Run', inputSchema: { type: 'object' } }],
          toolChoice: 'required',
          maxOutputTokens: 4096,
          providerOptions: { thinking: { type: 'enabled', budget_tokens: 2048 } },
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.headers.authorization).toBe('Bearer ak-1');
    expect(sent.headers['anthropic-version']).toBeDefined();
    expect(sent.body).toMatchObject({
      model: 'test-model',
      max_tokens: 4096,
      stream: true,
      tool_choice: { type: 'any' },
      thinking: { type: 'enabled', budget_tokens: 2048 },
    });
    expect(sent.body.tools).toEqual([{ name: 'bash', description: 'Run', input_schema: { type: 'object' } }]);
    expect(sent.body.system).toEqual([
      { type: 'text', text: 'System A', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'System B', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'System C' },
    ]);
    expect(sent.body.messages).toEqual([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look at this' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBO' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'thinking', signature: 'S1' },
          {
            type: 'tool_use',
            id: 'toolu_9',
            name: 'bash',
            input: { command: 'ls' },
            cache_control: { type: 'ephemeral' },
          },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_9', content: [{ type: 'text', text: 'a.txt' }], is_error: true },
          { type: 'text', text: 'and now?', cache_control: { type: 'ephemeral' } },
        ],
      },
    ]);
  });

  it('sanitises foreign tool call ids Claude would refuse', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      model.stream(
        baseRequest({
          messages: [
            { role: 'assistant', content: [{ type: 'tool-call', id: 'call.1:x', name: 'read', input: {} }] },
            { role: 'tool', content: [{ type: 'tool-result', id: 'call.1:x', name: 'read', output: 'ok' }] },
          ],
        }),
      ),
    );
    const [assistant, user] = llm.lastRequest!.body.messages;
    expect(assistant.content[0].id).toBe('call_1_x');
    expect(user.content[0].tool_use_id).toBe('call_1_x');
  });

  it('can send the key as x-api-key for Anthropic-compatible gateways', async () => {
    const gateway = new AnthropicLanguageModel('m', {
      providerId: 'gw',
      apiKey: 'gw-key',
      baseURL: llm.url,
      authHeader: 'x-api-key',
    });
    llm.enqueue(reply().text('ok').stop());
    await collect(gateway.stream(baseRequest()));
    expect(llm.lastRequest!.headers['x-api-key']).toBe('gw-key');
    expect(llm.lastRequest!.headers.authorization).toBeUndefined();
  });

  it('maps max_tokens to finish "length"', async () => {
    llm.enqueue(reply().text('long').length());
    const { events } = await collect(model.stream(baseRequest()));
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  it.each([
    ['401', httpError(401), 'auth', false],
    ['429', httpError(429, { 'retry-after': '5', 'anthropic-ratelimit-requests-remaining': '0' }), 'rate_limit', true],
    ['529 overloaded', httpError(529), 'overloaded', true],
    ['500', httpError(500), 'api', true],
    ['prompt too long', contextOverflow(), 'context_overflow', false],
    ['reset', reset(4), 'network', true],
    ['overloaded mid-stream', reply().text('a b c').streamErrorAfter(3), 'overloaded', true],
  ] as const)('maps %s', async (_n, script, kind, retryable) => {
    llm.enqueue(script);
    const { error } = await collect(model.stream(baseRequest()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, isRetryable: retryable, providerId: 'anthropic' });
  });

  it('keeps the raw error body and headers', async () => {
    llm.enqueue(httpError(429, { 'retry-after': '5' }));
    const { error } = await collect(model.stream(baseRequest()));
    const e = error as ProviderError;
    expect(e.info.statusCode).toBe(429);
    expect(e.info.responseHeaders?.['retry-after']).toBe('5');
    expect(JSON.parse(e.info.responseBody!)).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Fake 429 Too Many Requests' },
    });
  });

  it('reports a missing key as an auth error', async () => {
    const keyless = new AnthropicLanguageModel('m', { providerId: 'anthropic', baseURL: llm.url });
    const { error } = await collect(keyless.stream(baseRequest()));
    expect(error).toMatchObject({ kind: 'auth', isRetryable: false });
  });
});
