import { parseConfig } from '../../config/config.parse';
import { providersConfigSchema } from './catalogue-config.schema';

// The catalogue reads `provider.<id>.models.<id>` with the config module's schema: what the config refuses at
// load, the catalogue refuses too; only partial prices and limits (overrides merged over models.dev) pass here.
describe('catalogue config schema', () => {
  const model = (entry: Record<string, unknown>) => ({ provider: { p: { models: { m: entry } } } });

  it.each([
    [{ status: 'retired' }],
    [{ interleaved: 5 }],
    [{ modalities: { input: ['smell'] } }],
    [{ variants: { high: 'fast' } }],
    [{ headers: { 'x-team': 1 } }],
  ])('refuses %j like the config does', (entry) => {
    expect(() => parseConfig(model(entry), 'test.json')).toThrow();
    expect(providersConfigSchema.safeParse(model(entry)).success).toBe(false);
  });

  it('accepts a partial price or limit, which only the catalogue merges', () => {
    const parsed = providersConfigSchema.parse(
      model({ cost: { input: 2.5 }, limit: { context: 1000 }, custom_key: true }),
    );
    expect(parsed.provider?.p.models?.m).toEqual({ cost: { input: 2.5 }, limit: { context: 1000 }, custom_key: true });
    expect(() => parseConfig(model({ cost: { input: 2.5 } }), 'test.json')).toThrow();
  });
});
