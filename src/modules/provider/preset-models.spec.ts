import { FakeLlm, reply } from '../../../test/fakes/llm';
import { baseRequest, collect, textOf } from '../../../test/fakes/llm/collect-stream';
import { computeStepCost } from './cost';
import { ProviderRegistry } from './provider-registry';
import { PROVIDER_PRESETS } from './provider.presets';

// Every preset that speaks an HTTP wire of the fake, driven with a model of its own from the shipped catalogue:
// the model's api id reaches the wire, and the step has the catalogue's exact, non-zero price.

const TEMPLATE_VALUES: Record<string, string> = {
  resourceName: 'myres',
  accountId: 'acc123',
  gatewayId: 'gw1',
  location: 'europe-west4',
  project: 'proj',
};

describe('each preset with one of its catalogue models', () => {
  let llm: FakeLlm;
  const registry = new ProviderRegistry();
  beforeAll(async () => {
    llm = await FakeLlm.start();
  });
  afterAll(() => llm.stop());

  const presets = [...PROVIDER_PRESETS.values()].filter(
    (p) =>
      p.supported &&
      ['openai-chat', 'openai-responses', 'anthropic', 'google'].includes(p.adapter) &&
      Object.keys(registry.catalogue.providers[p.id]?.models ?? {}).length > 0,
  );

  it('covers the presets the catalogue used to lack', () => {
    const ids = presets.map((p) => p.id);
    for (const id of ['deepinfra', 'cerebras', 'cohere', 'togetherai', 'perplexity', 'cloudflare-workers-ai'])
      expect(ids).toContain(id);
  });

  it.each(presets.map((p) => [p.id, p] as const))('%s streams through a priced catalogue model', async (id, preset) => {
    const env: Record<string, string> = {};
    const keyVar = preset.env[0] ?? registry.catalogue.providers[id].env[0];
    if (keyVar) env[keyVar] = `key-${id}`;
    for (const [name, vars] of Object.entries(preset.vars)) env[vars[0]] = TEMPLATE_VALUES[name] ?? 'x';
    const base = preset.adapter === 'anthropic' || preset.adapter === 'google' ? llm.url : `${llm.url}/v1`;
    const config = { provider: { [id]: { options: { baseURL: base } } } };
    const resolved = registry.resolve(config, { env });
    const models = Object.values(resolved.all.find((p) => p.id === id)!.models);
    const withPrice = models.filter((m) => m.cost.input > 0 && m.cost.output > 0);
    // Perplexity's Sonar models take no tools: those presets are driven with text only.
    const priced = withPrice.find((m) => m.capabilities.toolcall) ?? withPrice[0];
    expect(priced).toBeDefined();
    const { model, info } = registry.languageModel(resolved, { providerID: id, modelID: priced!.id }, { env });
    const script = reply().text(`hi from ${id}`);
    if (priced!.capabilities.toolcall) script.tool('read', { filePath: 'x' });
    llm.enqueue(script.usage({ input: 1000, output: 100 }).stop());
    const { events, error } = await collect(model.stream(baseRequest({ modelId: info.api.id })));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe(`hi from ${id}`);
    expect(events.some((e) => e.type === 'tool-call')).toBe(priced!.capabilities.toolcall);
    const sent = llm.lastRequest!;
    if (preset.adapter === 'google') expect(sent.path).toContain(`/models/${info.api.id}:`);
    else expect(sent.body.model).toBe(info.api.id);
    const finish = events.at(-1) as Extract<(typeof events)[number], { type: 'finish' }>;
    const step = computeStepCost(finish.usage, info.cost);
    expect(step.costNumber).toBeCloseTo((1000 * info.cost.input + 100 * info.cost.output) / 1e6, 12);
    expect(step.costNumber).toBeGreaterThan(0);
  });
});
