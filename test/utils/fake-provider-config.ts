// The platform config (OPENCODE_CONFIG_CONTENT) most e2e specs boot with: one OpenAI-compatible provider `fake`
// pointed at a FakeLlm, its one model `fake/fake-model` as both model and small model, every other provider off.

/**
 * `extra` adds top-level keys (permission, command, mcp, ...); `model` adds to or overrides the fake model's
 * entry (e.g. `cost` so steps have exact prices).
 */
export function fakeProviderConfig(
  baseUrl: string,
  extra: Record<string, unknown> = {},
  model: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: baseUrl, apiKey: 'x' },
        models: { 'fake-model': { name: 'Fake', tool_call: true, limit: { context: 128000, output: 4096 }, ...model } },
      },
    },
    enabled_providers: ['fake'],
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    ...extra,
  });
}
