import { createShell, ShellError } from './plugin-shell';
import { platformPluginSpecs, PluginSpecError } from './plugin-spec';
import path from 'node:path';

describe("a plugin's $", () => {
  const ran: { command: string; cwd?: string }[] = [];
  const $ = createShell(async (command, opts) => {
    ran.push({ command, cwd: opts.cwd });
    return { output: command.includes('fail') ? 'no' : 'out\n', exitCode: command.includes('fail') ? 3 : 0 };
  });

  it('quotes every interpolated value: a hostile file name stays one argument', async () => {
    ran.length = 0;
    const file = "x'; rm -rf / #";
    expect(await $`cat ${file} ${['a b', 'c']}`.text()).toBe('out\n');
    expect(ran[0].command).toBe(`cat 'x'\\''; rm -rf / #' 'a b' 'c'`);
  });

  it('throws on a non-zero exit unless nothrow, and keeps cwd per instance', async () => {
    await expect($`fail`).rejects.toBeInstanceOf(ShellError);
    expect((await $`fail`.nothrow()).exitCode).toBe(3);
    ran.length = 0;
    await $.cwd('sub')`ls`;
    await $`ls`;
    expect(ran.map((r) => r.cwd)).toEqual(['sub', undefined]);
  });
});

describe('the platform plugin list', () => {
  const fixtures = path.join(__dirname, '../../../test/fixtures/plugins');

  it('names folder plugins by file name and refuses a name given twice or a package not installed', () => {
    const specs = platformPluginSpecs([], fixtures, process.cwd());
    expect(specs.map((s) => s.name)).toEqual(['guard', 'hangs', 'throws', 'toolbox']);
    expect(() => platformPluginSpecs([path.join(fixtures, 'guard.mjs')], fixtures, process.cwd())).toThrow(
      PluginSpecError,
    );
    expect(() => platformPluginSpecs(['surely-not-installed-plugin'], undefined, process.cwd())).toThrow(
      'plugin surely-not-installed-plugin: package not installed',
    );
    const [dcp] = platformPluginSpecs([['@tarquinen/opencode-dcp@3.1.14', { a: 1 }]], undefined, process.cwd());
    expect(dcp).toMatchObject({ name: '@tarquinen/opencode-dcp', options: { a: 1 }, source: 'config' });
    expect(dcp.file).toMatch(/node_modules\/@tarquinen\/opencode-dcp\/dist\/index\.js$/);
  });
});
