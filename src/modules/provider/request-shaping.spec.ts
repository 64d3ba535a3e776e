import { ModelCatalogue } from './models/model-catalogue';
import { dropUnsupportedMedia, shapeRequest, variantsFor } from './request-shaping';

describe('shapeRequest', () => {
  const catalogue = new ModelCatalogue();
  const resolved = catalogue.resolve(
    {
      provider: {
        local: {
          options: { baseURL: 'http://127.0.0.1:1/v1' },
          models: {
            'qwen3-coder': { limit: { context: 32_000, output: 0 } },
            'kimi-k2-thinking': {
              reasoning: true,
              interleaved: { field: 'reasoning_content' },
              variants: { high: { disabled: true }, deep: { reasoningEffort: 'high', extra: 1 } },
            },
          },
        },
        opencode: {
          options: { apiKey: 'x' },
          models: { 'big-pickle': { limit: { context: 200_000, output: 50_000 } } },
        },
      },
    },
    { env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o', GEMINI_API_KEY: 'g', DEEPSEEK_API_KEY: 'd' } },
  );
  const model = (p: string, m: string) => catalogue.getModel(resolved, p, m);

  it('OpenAI reasoning models: cache key, effort and summary defaults, capped output, no temperature', () => {
    expect(shapeRequest({ model: model('openai', 'gpt-5'), sessionId: 'ses_1', parentSessionId: 'ses_0' })).toEqual({
      maxOutputTokens: 32_000,
      providerOptions: { promptCacheKey: 'ses_1', reasoningEffort: 'medium', reasoningSummary: 'auto' },
      headers: { 'x-session-affinity': 'ses_1', 'x-parent-session-id': 'ses_0' },
    });
  });

  it('Gemini: temperature 1, topP 0.95, topK 64 and thoughts included', () => {
    expect(shapeRequest({ model: model('google', 'gemini-2.5-pro'), sessionId: 's' })).toMatchObject({
      temperature: 1,
      topP: 0.95,
      topK: 64,
      maxOutputTokens: 32_000,
      providerOptions: { thinkingConfig: { includeThoughts: true } },
    });
  });

  it('agent values win; variants layer last; thinking drops sampling parameters', () => {
    const sonnet = model('anthropic', 'claude-sonnet-4-5');
    expect(
      shapeRequest({ model: sonnet, sessionId: 's', agent: { temperature: 0.2, options: { foo: 1 } } }),
    ).toMatchObject({ temperature: 0.2, providerOptions: { foo: 1 } });
    const thinking = shapeRequest({ model: sonnet, sessionId: 's', agent: { temperature: 0.2 }, variant: 'max' });
    expect(thinking.temperature).toBeUndefined();
    expect(thinking.providerOptions).toEqual({ thinking: { type: 'enabled', budget_tokens: 31_999 } });
    expect(
      shapeRequest({ model: model('openai', 'o3'), sessionId: 's', variant: 'high' }).providerOptions,
    ).toMatchObject({ reasoningEffort: 'high', reasoningSummary: 'auto' });
  });

  it('family temperatures, interleaved reasoning field, config variants and unknown output limits', () => {
    const qwen = shapeRequest({ model: model('local', 'qwen3-coder'), sessionId: 's' });
    expect(qwen).toMatchObject({ temperature: 0.55, topP: 1 });
    expect(qwen.maxOutputTokens).toBeUndefined();
    const kimi = model('local', 'kimi-k2-thinking');
    expect(shapeRequest({ model: kimi, sessionId: 's' })).toMatchObject({
      temperature: 1,
      providerOptions: { interleaved: { field: 'reasoning_content' } },
    });
    expect(variantsFor(kimi)).toEqual({
      low: { reasoningEffort: 'low' },
      medium: { reasoningEffort: 'medium' },
      deep: { reasoningEffort: 'high', extra: 1 },
    });
    expect(shapeRequest({ model: model('deepseek', 'deepseek-reasoner'), sessionId: 's' }).providerOptions).toEqual({
      interleaved: { field: 'reasoning_content' },
    });
  });

  it('Bedrock and Claude-on-Vertex models take their family reasoning variants from the shipped catalogue', () => {
    const shipped = catalogue.resolve(
      {},
      { env: { AWS_ACCESS_KEY_ID: 'k', GOOGLE_VERTEX_PROJECT: 'p', AICORE_SERVICE_KEY: '{}' } },
    );
    const bedrock = (id: string) => catalogue.getModel(shipped, 'amazon-bedrock', id);
    expect(variantsFor(bedrock('anthropic.claude-sonnet-4-5-20250929-v1:0'))).toEqual({
      high: { reasoningConfig: { type: 'enabled', budgetTokens: 16_000 } },
      max: { reasoningConfig: { type: 'enabled', budgetTokens: 31_999 } },
    });
    expect(variantsFor(bedrock('amazon.nova-2-lite-v1:0')).low).toEqual({
      reasoningConfig: { type: 'enabled', maxReasoningEffort: 'low' },
    });
    expect(variantsFor(bedrock('deepseek.r1-v1:0'))).toEqual({});
    const sap = catalogue.getModel(shipped, 'sap-ai-core', 'amazon--nova-lite');
    expect(variantsFor(sap).high).toEqual({ modelParams: { reasoning_effort: 'high' } });
    const vertexClaude = catalogue.getModel(shipped, 'google-vertex-anthropic', 'claude-sonnet-4-5@20250929');
    expect(variantsFor(vertexClaude).high).toEqual({ thinking: { type: 'enabled', budget_tokens: 16_000 } });
  });

  it('opencode providers get the x-opencode-* headers instead of session affinity', () => {
    expect(
      shapeRequest({
        model: model('opencode', 'big-pickle'),
        sessionId: 'ses_9',
        requestId: 'msg_1',
        projectId: 'prj_1',
      }).headers,
    ).toEqual({ 'x-opencode-session': 'ses_9', 'x-opencode-request': 'msg_1', 'x-opencode-project': 'prj_1' });
  });
});

describe('dropUnsupportedMedia', () => {
  const catalogue = new ModelCatalogue();
  const resolved = catalogue.resolve({}, { env: { XAI_API_KEY: 'x', ANTHROPIC_API_KEY: 'a' } });

  it('turns files a text-only model cannot read into notes, in user turns and tool results', () => {
    const grok = catalogue.getModel(resolved, 'xai', 'grok-code-fast-1');
    const out = dropUnsupportedMedia(
      [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'see' },
            { type: 'file', mime: 'image/png', url: 'data:image/png;base64,AA', filename: 'shot.png' },
            { type: 'file', mime: 'text/plain', url: 'data:text/plain;base64,aGk=' },
          ],
        },
        {
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              id: 'c',
              name: 'read',
              output: 'read ok',
              attachments: [{ mime: 'application/pdf', url: 'data:application/pdf;base64,AA', filename: 'a.pdf' }],
            },
          ],
        },
      ],
      grok,
    );
    expect(out[0].content[1]).toEqual({
      type: 'text',
      text: expect.stringContaining('shot.png (image/png) was not sent'),
    });
    expect(out[0].content[2]).toMatchObject({ type: 'file', mime: 'text/plain' });
    const result = (out[1] as { content: { output: string; attachments?: unknown[] }[] }).content[0];
    expect(result.output).toMatch(/^read ok\n\[The attached file a\.pdf/);
    expect(result.attachments).toEqual([]);
  });

  it('keeps what the model supports', () => {
    const sonnet = catalogue.getModel(resolved, 'anthropic', 'claude-sonnet-4-5');
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'file' as const, mime: 'image/png', url: 'data:image/png;base64,AA' },
          { type: 'file' as const, mime: 'application/pdf', url: 'data:application/pdf;base64,AA' },
        ],
      },
    ];
    expect(dropUnsupportedMedia(messages, sonnet)).toEqual(messages);
  });
});
