import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('reads an empty variable as unset: compose passes ${BOOTSTRAP_API_KEY:-} as "" when the operator sets nothing', () => {
    const config = loadConfig({ BOOTSTRAP_API_KEY: '', ENCRYPTION_KEYS: '', WORKERS_IN_API: '', LOG_LEVEL: '' });
    expect(config.bootstrapApiKey).toBeUndefined();
    expect(config.encryptionKeys.size).toBe(0);
    // the defaults, as if the variables were absent: workers in the API without Redis, info logs
    expect(config.workersInApi).toBe(true);
    expect(config.logLevel).toBe('info');
  });

  it('still refuses a key that is set but too short', () => {
    expect(() => loadConfig({ BOOTSTRAP_API_KEY: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ BOOTSTRAP_API_KEY: 'short' })).toThrow(/BOOTSTRAP_API_KEY/);
  });

  it('keeps a set key', () => {
    expect(loadConfig({ BOOTSTRAP_API_KEY: 'oc_0123456789abcdef' }).bootstrapApiKey).toBe('oc_0123456789abcdef');
  });
});
