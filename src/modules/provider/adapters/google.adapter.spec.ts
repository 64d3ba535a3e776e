import { FakeLlm, contextOverflow, httpError, reply, reset } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { ProviderError } from '../provider.types';
import { GoogleLanguageModel } from './google.adapter';

describe('GoogleLanguageModel', () => {
  let llm: FakeLlm;
  let model: GoogleLanguageModel;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    model = new GoogleLanguageModel('gemini-2.5-pro', {
      providerId: 'google',
      apiKey: 'g-key',
      baseURL: llm.url,
      apiVersion: 'v1beta',
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  it('streams thoughts, text and parallel function calls with thought signatures and usage', async () => {
    llm.enqueue(
      reply()
        .reasoning('thinking hard', { signature: 'TS1' })
        .text('Here goes')
        .tool('read', { filePath: 'x' }, { id: 'fc1' })
        .tool('glob', { pattern: '*.md' })
        .usage({ input: 5000, output: 400, reasoning: 250, cacheRead: 4096 })
        .stop(),
    );
    const { events, error } = await collect(model.stream(baseRequest()));
    expect(error).toBeUndefined();
    expect(textOf(events, 'reasoning-delta')).toBe('thinking hard');
    expect(events.find((e) => e.type === 'reasoning-end')).toMatchObject({
      providerMetadata: { google: { thoughtSignature: 'TS1' } },
    });
    expect(textOf(events)).toBe('Here goes');
    const calls = events.filter((e) => e.type === 'tool-call');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ id: 'fc1', name: 'read', input: '{"filePath":"x"}' });
    expect(calls[1]).toMatchObject({ name: 'glob', input: '{"pattern":"*.md"}' });
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'tool-calls',
      usage: { input: 5000, output: 400, reasoning: 250, cacheRead: 4096, cacheWrite: 0 },
    });
  });

  it('sends system instruction, contents with function call/response and signatures, tools and config', async () => {
    llm.enqueue(reply().text('ok').stop());
    await collect(
      model.stream(
        baseRequest({
          system: ['Be brief'],
          messages: [
            {
              role: 'user',
              content: [
                { type: 'text', text: 'see' },
                { type: 'file', mime: 'image/png', url: 'data:image/png;base64,AAA=' },
              ],
            },
            {
              role: 'assistant',
              content: [
                { type: 'text', text: 'Calling' },
                {
                  type: 'tool-call',
                  id: 'fc9',
                  name: 'read',
                  input: { filePath: 'y' },
                  providerMetadata: { google: { thoughtSignature: 'SIG' } },
                },
              ],
            },
            { role: 'tool', content: [{ type: 'tool-result', id: 'fc9', name: 'read', output: 'data' }] },
          ],
          tools: [
            {
              name: 'read',
              description: 'Read',
              inputSchema: { type: 'object', properties: { filePath: { type: 'string' } } },
            },
          ],
          temperature: 1,
          topP: 0.95,
          topK: 64,
          maxOutputTokens: 8000,
          providerOptions: { thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 } },
        }),
      ),
    );
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/v1beta/models/test-model:streamGenerateContent');
    expect(sent.query.alt).toBe('sse');
    expect(sent.headers['x-goog-api-key']).toBe('g-key');
    expect(sent.body.systemInstruction).toEqual({ role: 'user', parts: [{ text: 'Be brief' }] });
    expect(sent.body.contents).toEqual([
      { role: 'user', parts: [{ text: 'see' }, { inlineData: { mimeType: 'image/png', data: 'AAA=' } }] },
      {
        role: 'model',
        parts: [
          { text: 'Calling' },
          { functionCall: { id: 'fc9', name: 'read', args: { filePath: 'y' } }, thoughtSignature: 'SIG' },
        ],
      },
      { role: 'user', parts: [{ functionResponse: { id: 'fc9', name: 'read', response: { output: 'data' } } }] },
    ]);
    expect(sent.body.tools).toEqual([
      {
        functionDeclarations: [
          {
            name: 'read',
            description: 'Read',
            parametersJsonSchema: { type: 'object', properties: { filePath: { type: 'string' } } },
          },
        ],
      },
    ]);
    expect(sent.body.toolConfig).toEqual({ functionCallingConfig: { mode: 'AUTO' } });
    expect(sent.body.generationConfig).toMatchObject({
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxOutputTokens: 8000,
      thinkingConfig: { includeThoughts: true, thinkingBudget: 1024 },
    });
  });

  it('does not echo ids it invented for id-less Gemini calls', async () => {
    llm.enqueue(reply().tool('glob', { pattern: '*' }).stop(), reply().text('done').stop());
    const first = await collect(model.stream(baseRequest()));
    const call = first.events.find((e) => e.type === 'tool-call') as { id: string; name: string; input: string };
    await collect(
      model.stream(
        baseRequest({
          messages: [
            {
              role: 'assistant',
              content: [{ type: 'tool-call', id: call.id, name: call.name, input: JSON.parse(call.input) }],
            },
            { role: 'tool', content: [{ type: 'tool-result', id: call.id, name: call.name, output: 'a.ts' }] },
          ],
        }),
      ),
    );
    expect(llm.lastRequest!.body.contents).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'glob', args: { pattern: '*' } } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'glob', response: { output: 'a.ts' } } }] },
    ]);
  });

  it('reaches Vertex AI in express mode (API key) on its publisher path', async () => {
    const vertex = new GoogleLanguageModel('gemini-2.5-flash', {
      providerId: 'google-vertex',
      apiKey: 'vx',
      baseURL: llm.url,
      vertex: {},
    });
    llm.enqueue(reply().text('from vertex').stop());
    const { events } = await collect(vertex.stream(baseRequest({ modelId: 'gemini-2.5-flash' })));
    expect(textOf(events)).toBe('from vertex');
    expect(llm.lastRequest!.path).toMatch(/\/publishers\/google\/models\/gemini-2\.5-flash:streamGenerateContent$/);
  });

  it('maps MAX_TOKENS to finish "length"', async () => {
    llm.enqueue(reply().text('more more').length());
    const { events } = await collect(model.stream(baseRequest()));
    expect(events.at(-1)).toMatchObject({ type: 'finish', reason: 'length' });
  });

  it.each([
    ['429 RESOURCE_EXHAUSTED', httpError(429), 'rate_limit', true],
    ['503 UNAVAILABLE', httpError(503), 'overloaded', true],
    ['403', httpError(403), 'auth', false],
    [
      'bad key 400',
      httpError(
        400,
        {},
        {
          error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' },
        },
      ),
      'auth',
      false,
    ],
    ['token count overflow', contextOverflow(), 'context_overflow', false],
    ['reset', reset(2), 'network', true],
    ['error chunk', reply().text('one two three').streamErrorAfter(2, { status: 500 }), 'api', true],
  ] as const)('maps %s', async (_n, script, kind, retryable) => {
    llm.enqueue(script);
    const { error } = await collect(model.stream(baseRequest()));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind, isRetryable: retryable, providerId: 'google' });
  });
});
