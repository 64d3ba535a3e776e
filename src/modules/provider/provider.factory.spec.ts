import { FakeLlm, reply } from '../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../test/fakes/llm/collect-stream';
import { ProviderMisconfiguredError, ProviderNotSupportedError } from './provider.errors';
import { createLanguageModel, resolveProvider } from './provider.factory';
import { PROVIDER_PRESETS, type ProviderPreset } from './provider.presets';
import { ProviderError } from './provider.types';

const TEMPLATE_VALUES: Record<string, string> = {
  resourceName: 'myres',
  accountId: 'acc123',
  gatewayId: 'gw1',
  location: 'europe-west4',
  project: 'proj',
};

/** The preset's own URL with its origin swapped for the fake server, so the path it uses is what we check. */
function localBase(preset: ProviderPreset, fakeUrl: string): { baseURL: string; expectedPrefix: string } {
  const filled = preset.baseURL!.replace(/\{(\w+)\}/g, (_m, name: string) => TEMPLATE_VALUES[name]);
  const url = new URL(filled);
  const path = url.pathname.replace(/\/$/, '');
  return { baseURL: fakeUrl + path, expectedPrefix: path };
}

const SUFFIX: Record<string, string> = {
  'openai-chat': '/chat/completions',
  'openai-responses': '/responses',
  anthropic: '/v1/messages',
  google: '/v1beta/models/m-1:streamGenerateContent',
};

describe('provider presets through createLanguageModel', () => {
  let llm: FakeLlm;
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());
  beforeEach(() => llm.clear());

  const reachable = [...PROVIDER_PRESETS.values()].filter(
    // Vertex, Bedrock and Claude on Vertex build their own URLs and auth: sdk-providers.spec and their adapter specs.
    (p) =>
      p.supported &&
      p.baseURL &&
      p.adapter !== 'google-vertex' &&
      p.adapter !== 'bedrock' &&
      p.adapter !== 'anthropic-vertex',
  );

  it.each(reachable.map((p) => [p.id, p] as const))(
    '%s: sends its path, auth header, headers and body',
    async (_id, preset) => {
      const { baseURL, expectedPrefix } = localBase(preset, llm.url);
      const env: Record<string, string> = {};
      if (preset.env[0]) env[preset.env[0]] = `key-for-${preset.id}`;
      for (const [name, vars] of Object.entries(preset.vars)) env[vars[0]] = TEMPLATE_VALUES[name];
      const resolved = resolveProvider({ id: preset.id, options: { baseURL }, env });
      const model = createLanguageModel(resolved, 'm-1');
      llm.enqueue(reply().text(`hi from ${preset.id}`).stop());
      const { events, error } = await collect(model.stream(baseRequest({ modelId: 'm-1' })));
      expect(error).toBeUndefined();
      expect(textOf(events)).toBe(`hi from ${preset.id}`);
      const sent = llm.lastRequest!;
      expect(sent.path).toBe(
        preset.adapter === 'anthropic' || preset.adapter === 'google'
          ? SUFFIX[preset.adapter]
          : expectedPrefix + SUFFIX[preset.adapter],
      );
      const key = preset.env[0] ? `key-for-${preset.id}` : undefined;
      if (preset.auth === 'bearer' && key) expect(sent.headers.authorization).toBe(`Bearer ${key}`);
      else if (preset.auth === 'none') expect(sent.headers.authorization).toBe('Bearer not-needed');
      else if (key) {
        expect(sent.headers[preset.auth.toLowerCase()]).toBe(key);
        if (preset.auth !== 'x-goog-api-key') expect(sent.headers.authorization).toBeUndefined();
      }
      for (const [name, value] of Object.entries(preset.headers)) expect(sent.headers[name.toLowerCase()]).toBe(value);
      if (preset.adapter !== 'google') expect(sent.body.model).toBe('m-1');
    },
  );

  it('fills the Cloudflare account id and Azure resource name into the real URLs', () => {
    const cf = resolveProvider({
      id: 'cloudflare-workers-ai',
      env: { CLOUDFLARE_API_TOKEN: 't', CLOUDFLARE_ACCOUNT_ID: 'abc' },
    });
    expect(cf.extra.accountId).toBe('abc');
    const az = resolveProvider({ id: 'azure', options: { resourceName: 'contoso' }, env: { AZURE_API_KEY: 'k' } });
    expect(az.baseURL).toBe('https://{resourceName}.openai.azure.com/openai/v1');
    expect(az.extra.resourceName).toBe('contoso');
    expect(() => createLanguageModel(resolveProvider({ id: 'azure', env: { AZURE_API_KEY: 'k' } }), 'gpt')).toThrow(
      ProviderMisconfiguredError,
    );
  });

  it('prefers options.apiKey, then a stored credential, then env vars in preset order', () => {
    const env = { GEMINI_API_KEY: 'from-env-1', GOOGLE_GENERATIVE_AI_API_KEY: 'from-env-2' };
    expect(resolveProvider({ id: 'google', env })).toMatchObject({ apiKey: 'from-env-1', keySource: 'env' });
    expect(resolveProvider({ id: 'google', env: { GOOGLE_GENERATIVE_AI_API_KEY: 'e2' } })).toMatchObject({
      apiKey: 'e2',
    });
    expect(resolveProvider({ id: 'google', env, apiKey: 'stored' })).toMatchObject({
      apiKey: 'stored',
      keySource: 'credential',
    });
    expect(resolveProvider({ id: 'google', env, apiKey: 'stored', options: { apiKey: 'cfg' } })).toMatchObject({
      apiKey: 'cfg',
      keySource: 'options',
    });
  });

  it('refuses unsupported providers with their reason, and a missing key with an auth ProviderError', () => {
    const unsupported = [...PROVIDER_PRESETS.values()].filter((p) => !p.supported);
    for (const preset of unsupported) {
      expect(() =>
        createLanguageModel(resolveProvider({ id: preset.id, env: { [preset.env[0] ?? 'X']: 'x' } }), 'm'),
      ).toThrow(ProviderNotSupportedError);
      expect(preset.reason).toBeTruthy();
    }
    let caught: unknown;
    try {
      createLanguageModel(resolveProvider({ id: 'anthropic', env: {} }), 'claude');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ProviderError);
    expect(caught).toMatchObject({ kind: 'auth', message: expect.stringContaining('ANTHROPIC_API_KEY') });
  });

  it('drives a custom OpenAI-compatible provider from config, headers included', async () => {
    const resolved = resolveProvider({
      id: 'school-proxy',
      options: { baseURL: `${llm.url}/proxy/v1`, apiKey: 'pk', headers: { 'x-school': 'north' }, timeout: 5000 },
    });
    expect(resolved.adapter).toBe('openai-chat');
    llm.enqueue(reply().text('custom ok').stop());
    const { events } = await collect(
      createLanguageModel(resolved, 'llama-3').stream(baseRequest({ modelId: 'llama-3' })),
    );
    expect(textOf(events)).toBe('custom ok');
    expect(llm.lastRequest).toMatchObject({
      path: '/proxy/v1/chat/completions',
      headers: { authorization: 'Bearer pk', 'x-school': 'north' },
    });
    expect(() => createLanguageModel(resolveProvider({ id: 'nowhere' }), 'm')).toThrow(ProviderMisconfiguredError);
  });

  it("maps replayed tool call ids to Mistral's 9-character form, the same way for call and result", async () => {
    const resolved = resolveProvider({
      id: 'mistral',
      options: { baseURL: `${llm.url}/v1` },
      env: { MISTRAL_API_KEY: 'mk' },
    });
    llm.enqueue(reply().text('ok').stop());
    await collect(
      createLanguageModel(resolved, 'mistral-large-latest').stream(
        baseRequest({
          messages: [
            {
              role: 'assistant',
              content: [
                { type: 'tool-call', id: 'toolu_01ABC.def', name: 'read', input: {} },
                { type: 'tool-call', id: 'abcDEF123', name: 'read', input: {} },
              ],
            },
            {
              role: 'tool',
              content: [
                { type: 'tool-result', id: 'toolu_01ABC.def', name: 'read', output: 'x' },
                { type: 'tool-result', id: 'abcDEF123', name: 'read', output: 'y' },
              ],
            },
          ],
        }),
      ),
    );
    const [assistant, first, second] = llm.lastRequest!.body.messages.slice(1);
    const ids = assistant.tool_calls.map((c: { id: string }) => c.id);
    expect(ids[0]).toMatch(/^[a-zA-Z0-9]{9}$/);
    expect(ids[1]).toBe('abcDEF123');
    expect([first.tool_call_id, second.tool_call_id]).toEqual(ids);
  });

  it('reaches Vertex in express mode when config points it at a URL', async () => {
    const resolved = resolveProvider({
      id: 'google-vertex',
      options: { baseURL: llm.url },
      env: { GOOGLE_VERTEX_API_KEY: 'vk' },
    });
    llm.enqueue(reply().text('vertex').stop());
    const { events } = await collect(
      createLanguageModel(resolved, 'gemini-2.5-pro').stream(baseRequest({ modelId: 'gemini-2.5-pro' })),
    );
    expect(textOf(events)).toBe('vertex');
    expect(llm.lastRequest!.path).toContain('/publishers/google/models/gemini-2.5-pro:streamGenerateContent');
  });
});
