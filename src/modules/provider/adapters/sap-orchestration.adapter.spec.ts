import { FakeLlm, contextOverflow, httpError, reply } from '../../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../../test/fakes/llm/collect-stream';
import { egressGuard } from '../../../core/net/egress';
import { createLanguageModel, resolveProvider } from '../provider.factory';
import { ProviderError } from '../provider.types';
import { toMessageError } from '../retry';

const MODEL = 'anthropic--claude-4.5-sonnet';

describe('SAP AI Core orchestration (the SAP AI SDK wire against the fake)', () => {
  let llm: FakeLlm;
  let serviceKey: string;
  beforeAll(async () => {
    llm = await FakeLlm.start();
    serviceKey = JSON.stringify({
      clientid: 'sb-client',
      clientsecret: 'client-secret',
      url: `${llm.url}/uaa`,
      serviceurls: { AI_API_URL: `${llm.url}/ai` },
    });
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  const platformModel = () =>
    createLanguageModel(
      resolveProvider({
        id: 'sap-ai-core',
        env: { AICORE_SERVICE_KEY: serviceKey, AICORE_RESOURCE_GROUP: 'school-rg' },
      }),
      MODEL,
      { guardedFetch: egressGuard().fetch },
    );

  it('client-credentials token, the running orchestration deployment, then text and a tool call with usage', async () => {
    const model = platformModel();
    llm.enqueue(
      reply()
        .text('Let me look.')
        .tool('read', { filePath: 'a.ts' })
        .usage({ input: 400, output: 30, cacheRead: 100 })
        .stop(),
    );
    const { events, error } = await collect(
      model.stream(
        baseRequest({
          modelId: MODEL,
          maxOutputTokens: 1000,
          tools: [{ name: 'read', description: 'Read', inputSchema: { type: 'object' } }],
          messages: [
            { role: 'user', content: [{ type: 'text', text: 'first {{?placeholder}}' }] },
            { role: 'assistant', content: [{ type: 'text', text: 'ok' }] },
            { role: 'user', content: [{ type: 'text', text: 'now read a.ts' }] },
          ],
        }),
      ),
    );
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('Let me look.');
    expect(events.filter((e) => e.type === 'tool-call')).toMatchObject([
      { name: 'read', input: '{"filePath":"a.ts"}' },
    ]);
    expect(events.at(-1)).toEqual({
      type: 'finish',
      reason: 'tool-calls',
      usage: { input: 400, output: 30, reasoning: 0, cacheRead: 100, cacheWrite: 0 },
    });

    const token = llm.tokenRequests[0];
    expect(token.path).toBe('/uaa/oauth/token');
    expect(token.headers.authorization).toBe(`Basic ${Buffer.from('sb-client:client-secret').toString('base64')}`);
    expect(new URLSearchParams(token.rawBody).get('grant_type')).toBe('client_credentials');
    expect(llm.controlRequests[0]).toMatchObject({
      path: '/ai/v2/lm/deployments',
      query: { scenarioId: 'orchestration', status: 'RUNNING' },
    });
    const sent = llm.lastRequest!;
    expect(sent.path).toBe('/ai/v2/inference/deployments/d-orchestration/v2/completion');
    expect(sent.headers['ai-resource-group']).toBe('school-rg');
    expect(sent.headers.authorization).toBe('Bearer ya29.fake-1');
    const templating = sent.body.config.modules.prompt_templating;
    expect(templating.model).toMatchObject({ name: MODEL, params: { max_tokens: 1000 } });
    // Only the last turn is templated; the history (with the student's braces) is sent verbatim.
    expect(templating.prompt.template).toEqual([{ role: 'user', content: 'now read a.ts' }]);
    expect(sent.body.messages_history[1]).toEqual({ role: 'user', content: 'first {{?placeholder}}' });
    expect(templating.prompt.tools[0].function.name).toBe('read');
    expect(sent.body.config.stream).toEqual({ enabled: true });

    // The token and the deployment are reused.
    llm.enqueue(reply().text('again').stop());
    await collect(model.stream(baseRequest({ modelId: MODEL })));
    expect([llm.tokenRequests.length, llm.controlRequests.length]).toEqual([1, 1]);
  });

  it('maps 429, in-stream errors, context overflow and refused tokens to OpenCode errors', async () => {
    const model = platformModel();
    llm.enqueue(httpError(429, { 'retry-after': '2' }));
    const limited = (await collect(model.stream(baseRequest({ modelId: MODEL })))).error as ProviderError;
    expect([limited.kind, limited.isRetryable, limited.info.statusCode]).toEqual(['rate_limit', true, 429]);

    llm.enqueue(reply().text('half an answer').streamErrorAfter(2, { status: 500 }));
    const broken = await collect(model.stream(baseRequest({ modelId: MODEL })));
    expect(textOf(broken.events)).not.toBe('');
    expect((broken.error as ProviderError).isRetryable).toBe(true);

    llm.enqueue(contextOverflow());
    expect(toMessageError((await collect(model.stream(baseRequest({ modelId: MODEL })))).error)).toMatchObject({
      name: 'ContextOverflowError',
    });

    llm.tokenReplies.push({ status: 401, body: { error: 'unauthorized', error_description: 'Bad credentials' } });
    const fresh = platformModel();
    const refused = (await collect(fresh.stream(baseRequest({ modelId: MODEL })))).error;
    expect(toMessageError(refused)).toMatchObject({ name: 'ProviderAuthError', data: { providerID: 'sap-ai-core' } });
  });

  it("a school's stored service key goes through the egress guard: its loopback hosts are refused unsent", async () => {
    const model = createLanguageModel(
      resolveProvider({ id: 'sap-ai-core', apiKey: serviceKey, credentialMeta: { resourceGroup: 'rg' } }),
      MODEL,
      { guardedFetch: egressGuard().fetch },
    );
    const { error } = await collect(model.stream(baseRequest({ modelId: MODEL })));
    expect(error).toBeInstanceOf(ProviderError);
    expect(llm.tokenRequests).toHaveLength(0);
    expect(() => createLanguageModel(resolveProvider({ id: 'sap-ai-core', apiKey: '{"clientid":1}' }), MODEL)).toThrow(
      /not an AI Core service key/,
    );
  });
});
