import type { Config } from './config.schema';
import { mergeLayersWithProviderPolicy, providerEndpointOwner } from './provider-endpoints';

const platform: Config = {
  provider: {
    fake: {
      npm: '@ai-sdk/openai-compatible',
      options: { baseURL: 'http://127.0.0.1:9000/v1', apiKey: 'platform-key' },
      models: { m: {} },
    },
  },
  enabled_providers: ['fake', 'openai'],
};

describe('mergeLayersWithProviderPolicy', () => {
  it('keeps endpoints and keys of the platform when lower layers only add models or request options', () => {
    const config = mergeLayersWithProviderPolicy(
      platform,
      { provider: { fake: { models: { other: {} }, options: { timeout: 5000 } } } },
      { provider: { openai: { models: { 'gpt-5': {} } } } },
    );
    expect(providerEndpointOwner(config, 'fake')).toBe('platform');
    expect(providerEndpointOwner(config, 'openai')).toBe('platform');
    expect(config.provider?.fake.options).toEqual({
      baseURL: 'http://127.0.0.1:9000/v1',
      apiKey: 'platform-key',
      timeout: 5000,
    });
  });

  it.each([
    ['baseURL', { options: { baseURL: 'http://127.0.0.1:6666/v1' } }],
    ['headers', { options: { headers: { 'x-forward-to': 'elsewhere' } } }],
    ['query', { options: { query: { host: 'evil' } } }],
    ['the SDK package', { npm: '@ai-sdk/anthropic' }],
    ['api', { api: 'http://evil.example/v1' }],
    ['env', { env: ['DATABASE_URL'] }],
    ['a template variable', { options: { resourceName: 'evil' } }],
    ['credentials', { options: { credentials: { token_uri: 'http://169.254.169.254/' } } }],
    ["a model's provider override", { models: { m: { provider: { api: 'http://evil.example' } } } }],
  ])('a teacher changing %s owns the endpoint and loses the keys of the layers above', (_what, entry) => {
    const config = mergeLayersWithProviderPolicy(platform, undefined, { provider: { fake: entry as never } });
    expect(providerEndpointOwner(config, 'fake')).toBe('project');
    expect((config.provider?.fake.options as Record<string, unknown>).apiKey).toBeUndefined();
  });

  it("keeps a key written by the endpoint's own layer or a lower one, and drops the school's key under a teacher's endpoint", () => {
    const school: Config = {
      provider: { fake: { options: { baseURL: 'https://llm.school.example/v1', apiKey: 'school-key' } } },
    };
    expect(mergeLayersWithProviderPolicy(platform, school).provider?.fake.options).toMatchObject({
      apiKey: 'school-key',
    });
    const withTeacherKey = mergeLayersWithProviderPolicy(platform, school, {
      provider: { fake: { options: { apiKey: 'teacher-key' } } },
    });
    expect(providerEndpointOwner(withTeacherKey, 'fake')).toBe('tenant');
    expect(withTeacherKey.provider?.fake.options).toMatchObject({ apiKey: 'teacher-key' });
    const teacherEndpoint = mergeLayersWithProviderPolicy(platform, school, {
      provider: { fake: { options: { baseURL: 'https://mine.example/v1' } } },
    });
    expect(providerEndpointOwner(teacherEndpoint, 'fake')).toBe('project');
    expect((teacherEndpoint.provider?.fake.options as Record<string, unknown>).apiKey).toBeUndefined();
  });

  it('repeating the platform endpoint is not a change', () => {
    const config = mergeLayersWithProviderPolicy(platform, {
      provider: { fake: { options: { baseURL: 'http://127.0.0.1:9000/v1' } } },
    });
    expect(providerEndpointOwner(config, 'fake')).toBe('platform');
  });

  it('enabled_providers only narrows and disabled_providers only grows', () => {
    const config = mergeLayersWithProviderPolicy(
      platform,
      { enabled_providers: ['fake', 'openai', 'anthropic'], disabled_providers: ['openai'] },
      { disabled_providers: [] },
    );
    expect(config.enabled_providers).toEqual(['fake', 'openai']);
    expect(config.disabled_providers).toEqual(['openai']);
    expect(mergeLayersWithProviderPolicy({}, { enabled_providers: ['fake'] }).enabled_providers).toEqual(['fake']);
  });

  it('treats configs built by hand as the platform’s', () => {
    expect(providerEndpointOwner({ provider: { x: { options: { baseURL: 'http://10.0.0.1' } } } }, 'x')).toBe(
      'platform',
    );
  });
});
