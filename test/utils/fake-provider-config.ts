// The platform config (OPENCODE_CONFIG_CONTENT) most e2e specs boot with: one OpenAI-compatible provider `fake`
// pointed at a FakeLlm, its one model `fake/fake-model` as both model and small model, every other provider off.

/**
 * `extra` adds top-level keys (permission, command, mcp, ...); `model` adds to or overrides the fake model's
 * entry (e.g. `cost` so steps have exact prices); `moreModels` adds other models of the same provider (same defaults).
 */
export function fakeProviderConfig(
  baseUrl: string,
  extra: Record<string, unknown> = {},
  model: Record<string, unknown> = {},
  moreModels: Record<string, Record<string, unknown>> = {},
): string {
  const base = { tool_call: true, limit: { context: 128000, output: 4096 } };
  const more = Object.fromEntries(Object.entries(moreModels).map(([id, m]) => [id, { ...base, ...m }]));
  return JSON.stringify({
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: baseUrl, apiKey: 'x' },
        models: { 'fake-model': { name: 'Fake', ...base, ...model }, ...more },
      },
    },
    enabled_providers: ['fake'],
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
    ...extra,
  });
}
