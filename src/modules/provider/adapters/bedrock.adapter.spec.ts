import { FakeLlm, contextOverflow, httpError, reply, reset } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { ProviderError } from '../provider.types';
import { toMessageError, retryDelayMs } from '../retry';
import { BedrockLanguageModel } from './bedrock.adapter';

const MODEL = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';

describe('BedrockLanguageModel (real AWS SDK against the event-stream fake)', () => {
  let llm: FakeLlm;
  let sigv4: BedrockLanguageModel;
  let bearer: BedrockLanguageModel;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    sigv4 = new BedrockLanguageModel(MODEL, {
      providerId: 'amazon-bedrock',
      region: 'eu-west-1',
      baseURL: llm.url,
      auth: { type: 'sigv4', accessKeyId: 'AKIAFAKE', secretAccessKey: 'secret', sessionToken: 'sess' },
    });
    bearer = new BedrockLanguageModel(MODEL, {
      providerId: 'amazon-bedrock',
      region: 'us-east-1',
      baseURL: llm.url,
      auth: { type: 'bearer', token: 'ABSKfake' },
      headers: { 'x-session-affinity': 's1' },
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams reasoning with its signature, text and tool use; usage adds cache tokens to input once', async () => {
    llm.enqueue(
      reply()
        .reasoning('Read both files', { signature: 'SIG==' })
        .text('Reading now.')
        .tool('read', { filePath: 'a' }, { id: 'tooluse_1' })
        .tool('read', { filePath: 'b' }, { id: 'tooluse_2' })
        .usage({ input: 1000, output: 150, cacheRead: 700, cacheWrite: 200 })
        .stop(),
    );
    const { events, error } = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect(error).toBeUndefined();
    expect(textOf(events, 'reasoning-delta')).toBe('Read both files');
    expect(events.find((e) => e.type === 'reasoning-end')).toMatchObject({
      providerMetadata: { bedrock: { signature: 'SIG==' } },
    });
    expect(textOf(events)).toBe('Reading now.');
    expect(events.filter((e) => e.type === 'tool-call')).toEqual([
      { type: 'tool-call', id: 'tooluse_1', name: 'read', input: '{"filePath":"a"}' },
      { type: 'tool-call', id: 'tooluse_2', name: 'read', input: '{"filePath":"b"}' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'tool-calls',
      usage: { input: 1000, output: 150, reasoning: 0, cacheRead: 700, cacheWrite: 200 },
    });
    // SigV4 signed by the SDK for the configured region, session token sent.
    const sent = llm.lastRequest!;
    expect(sent.path).toBe(`/model/${MODEL}/converse-stream`);
    expect(String(sent.headers.authorization)).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFAKE\/\d{8}\/eu-west-1\/bedrock\/aws4_request/,
    );
    expect(sent.headers['x-amz-security-token']).toBe('sess');
  });

  it('sends the Converse shape: system with a cache point, merged tool results, signed reasoning, tools, thinking', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      bearer.stream(
        baseRequest({
          modelId: MODEL,
          system: ['Be brief.'],
          maxOutputTokens: 4000,
          temperature: 0.3,
          providerOptions: { reasoningConfig: { type: 'enabled', budgetTokens: 2048 } },
          tools: [{ name: 'read', description: 'Read a file', inputSchema: { type: 'object', properties: {} } }],
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'read a' }] },
            {
              role: 'assistant',
              content: [
                { type: 'reasoning', text: 'thinking', providerMetadata: { bedrock: { signature: 'S1' } } },
                { type: 'tool-call', id: 'call.1:x', name: 'read', input: { filePath: 'a' } },
              ],
            },
            { role: 'tool', content: [{ type: 'tool-result', id: 'call.1:x', name: 'read', output: 'A' }] },
            { role: 'user', content: [{ type: 'text', text: 'and now?' }] },
          ],
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.headers.authorization).toBe('Bearer ABSKfake');
    expect(sent.headers['x-session-affinity']).toBe('s1');
    expect(sent.body.system).toEqual([{ text: 'Be brief.' }, { cachePoint: { type: 'default' } }]);
    expect(sent.body.inferenceConfig).toEqual({ maxTokens: 4000 });
    expect(sent.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(sent.body.toolConfig.toolChoice).toEqual({ auto: {} });
    expect(sent.body.toolConfig.tools[0].toolSpec.inputSchema.json).toEqual({ type: 'object', properties: {} });
    expect(sent.body.messages).toEqual([
      { role: 'user', content: [{ text: 'read a' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'thinking', signature: 'S1' } } },
          { toolUse: { toolUseId: 'call_1_x', name: 'read', input: { filePath: 'a' } } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'call_1_x', content: [{ text: 'A' }], status: 'success' } },
          { text: 'and now?' },
          { cachePoint: { type: 'default' } },
        ],
      },
    ]);
  });

  it('throttling (HTTP 429 ThrottlingException) is a retryable APIError honouring retry-after', async () => {
    llm.enqueue(httpError(429, { 'retry-after': '3' }));
    const { error } = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect(error).toBeInstanceOf(ProviderError);
    const e = error as ProviderError;
    expect([e.kind, e.isRetryable, e.info.statusCode, e.info.providerCode]).toEqual([
      'rate_limit',
      true,
      429,
      'ThrottlingException',
    ]);
    expect(toMessageError(e)).toMatchObject({ name: 'APIError', data: { statusCode: 429, isRetryable: true } });
    expect(retryDelayMs(1, e)).toBe(3000);
  });

  it('expired credentials (403 ExpiredTokenException) are a ProviderAuthError and not retried', async () => {
    llm.enqueue(
      httpError(
        403,
        { 'x-amzn-errortype': 'ExpiredTokenException:http://internal.amazon.com/coral/com.amazon.coral.service/' },
        { message: 'The security token included in the request is expired' },
      ),
    );
    const { error } = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    const e = error as ProviderError;
    expect([e.kind, e.isRetryable, e.info.providerCode]).toEqual(['auth', false, 'ExpiredTokenException']);
    expect(toMessageError(e)).toMatchObject({ name: 'ProviderAuthError', data: { providerID: 'amazon-bedrock' } });
  });

  it('a throttling exception frame inside the stream fails the step as retryable', async () => {
    llm.enqueue(reply().text('partial answer here').streamErrorAfter(2, { errorType: 'throttlingException' }));
    const { events, error } = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect(textOf(events)).not.toBe('');
    const e = error as ProviderError;
    expect([e.kind, e.isRetryable]).toEqual(['rate_limit', true]);
  });

  it('a cut stream is a retryable network error; context overflow is ContextOverflowError', async () => {
    llm.enqueue(reset(2));
    const cut = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect((cut.error as ProviderError).kind).toBe('network');
    expect((cut.error as ProviderError).isRetryable).toBe(true);

    llm.enqueue(contextOverflow());
    const over = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect(toMessageError(over.error)).toMatchObject({ name: 'ContextOverflowError' });
  });

  it('503 ServiceUnavailableException is overloaded and retryable; an abort is MessageAbortedError', async () => {
    llm.enqueue(httpError(503));
    const { error } = await collect(sigv4.stream(baseRequest({ modelId: MODEL })));
    expect([(error as ProviderError).kind, (error as ProviderError).isRetryable]).toEqual(['overloaded', true]);

    const controller = new AbortController();
    llm.enqueue(reply().text('one two three four five six').delay(50).stop());
    const events: string[] = [];
    let thrown: unknown;
    try {
      for await (const event of sigv4.stream(baseRequest({ modelId: MODEL, abortSignal: controller.signal }))) {
        events.push(event.type);
        if (event.type === 'text-delta') controller.abort();
      }
    } catch (e) {
      thrown = e;
    }
    expect(toMessageError(thrown)).toMatchObject({ name: 'MessageAbortedError' });
  });
});
