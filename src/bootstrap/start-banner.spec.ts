import { loadConfig } from '../core/config/app-config';
import { startBanner } from './start-banner';

describe('startBanner', () => {
  const url = 'http://127.0.0.1:4096';

  it('gives the URL, the Swagger link, the admin key, the database and what to set for a model', () => {
    const config = loadConfig({ DATA_DIR: '/srv/oc-data', LOG_FORMAT: 'pretty' });
    const text = startBanner(config, url, 'oc_demo_key_123', true);
    expect(text).toContain(`URL           ${url}`);
    expect(text).toContain(`Swagger UI    ${url}/docs`);
    expect(text).toContain('Admin key     oc_demo_key_123   (kept in /srv/oc-data/demo-admin-key)');
    expect(text).toContain('embedded PostgreSQL in /srv/oc-data/postgres');
    expect(text).toMatch(/Model +none yet\. Set a provider key, e\.g\. OPENAI_API_KEY/);
  });

  it('names where the model comes from when one is configured', () => {
    const fromContent = loadConfig({
      OPENCODE_CONFIG_CONTENT: '{"model":"x/y"}',
      DATABASE_URL: 'postgresql://u@h/db',
      REDIS_URL: 'redis://h:6379',
    });
    expect(startBanner(fromContent, url, undefined, false)).toMatch(
      /Database +DATABASE_URL \+ Redis\n +Model +from OPENCODE_CONFIG_CONTENT/,
    );
    const fromKeys = loadConfig({ ANTHROPIC_API_KEY: 'sk-ant-x' });
    expect(startBanner(fromKeys, url, undefined, true)).toContain(
      'providers with keys in the environment: ANTHROPIC_API_KEY',
    );
  });

  it('defaults to JSON logs off a terminal and honours LOG_FORMAT', () => {
    expect(loadConfig({ LOG_FORMAT: 'json' }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(loadConfig({}).logFormat).toBe(process.stdout.isTTY ? 'pretty' : 'json');
  });
});
