import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigInvalidError, ConfigJsonError } from './config.errors';
import { loadConfigFile, loadPlatformConfig, substituteReferences } from './config.load';

describe('config loading', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfg-load-'));
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'key.txt'), '  sk-"quoted"\n');
    await writeFile(join(dir, 'prompt.md'), 'Be kind.\nLine two.');
    await writeFile(
      join(dir, 'opencode.jsonc'),
      `{
        // platform defaults
        "model": "{env:DEFAULT_MODEL}",
        "provider": { "school": { "options": { "apiKey": "{file:secrets/key.txt}", "baseURL": "{env:MISSING}" } } },
        // "small_model": "{file:does-not-exist.txt}",
        "agent": { "tutor": { "prompt": "{file:${join(dir, 'prompt.md')}}", "steps": {env:STEPS} } },
        "instructions": ["/platform/RULES.md",],
      }`,
    );
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a JSONC file with env and file substitutions', async () => {
    const config = await loadConfigFile(join(dir, 'opencode.jsonc'), {
      env: { DEFAULT_MODEL: 'school/m1', STEPS: '12' },
    });
    expect(config.model).toBe('school/m1');
    expect(config.provider?.school.options?.apiKey).toBe('sk-"quoted"');
    expect(config.provider?.school.options?.baseURL).toBe('');
    expect(config.agent?.tutor.prompt).toBe('Be kind.\nLine two.');
    expect(config.agent?.tutor.steps).toBe(12);
  });

  it('merges the inline content and OPENCODE_PERMISSION over the file', async () => {
    const config = await loadPlatformConfig({
      configPath: join(dir, 'opencode.jsonc'),
      configContent: '{"model": "school/m2", "instructions": ["{file:prompt.md}"], "permission": {"bash": "ask"}}',
      permissionContent: '{"bash": {"rm *": "deny"}, "webfetch": "deny"}',
      env: { DEFAULT_MODEL: 'school/m1', STEPS: '3' },
      cwd: dir,
    });
    expect(config.model).toBe('school/m2');
    expect(config.instructions).toEqual(['/platform/RULES.md', 'Be kind.\nLine two.']);
    expect(config.permission).toEqual({ bash: { '*': 'ask', 'rm *': 'deny' }, webfetch: 'deny' });
  });

  it('returns an empty config when nothing is given', async () => {
    expect(await loadPlatformConfig({})).toEqual({});
  });

  it('fails on a missing config file, a bad file reference, bad JSON and a bad permission', async () => {
    await expect(loadPlatformConfig({ configPath: join(dir, 'nope.json') })).rejects.toThrow(/does not exist/);
    await expect(loadPlatformConfig({ configContent: '{"model": "{file:missing.txt}"}', cwd: dir })).rejects.toThrow(
      /bad file reference "\{file:missing.txt\}"/,
    );
    await expect(loadPlatformConfig({ configContent: '{"model": }' })).rejects.toBeInstanceOf(ConfigJsonError);
    const invalid = loadPlatformConfig({ permissionContent: '{"bash": "maybe"}' });
    await expect(invalid).rejects.toBeInstanceOf(ConfigInvalidError);
    await expect(invalid).rejects.toThrow(/OPENCODE_PERMISSION: bash/);
  });

  it('expands ~ in file references with the given home', async () => {
    const text = await substituteReferences('{"a": "{file:~/prompt.md}"}', { baseDir: '/', home: dir, source: 't' });
    expect(JSON.parse(text)).toEqual({ a: 'Be kind.\nLine two.' });
  });
});

describe('substituteReferences', () => {
  it('does not rescan substituted values', async () => {
    const reads: string[] = [];
    const text = await substituteReferences('{"a": "{env:A}", "b": "{file:x.txt}"}', {
      baseDir: '/cfg',
      env: { A: '{file:/etc/shadow}' },
      source: 't',
      readFile: async (path) => {
        reads.push(path);
        return '{env:A}';
      },
    });
    expect(JSON.parse(text)).toEqual({ a: '{file:/etc/shadow}', b: '{env:A}' });
    expect(reads).toEqual(['/cfg/x.txt']);
  });
});
