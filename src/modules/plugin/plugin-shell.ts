// A plugin's `$`: OpenCode hands plugins Bun's shell; here the same tagged-template API runs the command with the
// sandbox runner the bash tool uses (the school's uid, no network unless the school allows it, the project's
// folder). Interpolated values are quoted, so `$\`cat ${file}\`` never splits or expands `file`.

export interface ShellRun {
  (
    command: string,
    opts: { cwd?: string; env?: Record<string, string> },
  ): Promise<{ output: string; exitCode: number }>;
}

export interface ShellOutput {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number;
  text(): string;
  json(): unknown;
  bytes(): Uint8Array;
}

type Expression = string | number | boolean | { raw: string } | { toString(): string } | Expression[];

const quote = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

function render(expr: Expression): string {
  if (Array.isArray(expr)) return expr.map(render).join(' ');
  if (expr && typeof expr === 'object' && 'raw' in expr && typeof expr.raw === 'string') return expr.raw;
  return quote(String(expr));
}

export class ShellError extends Error {
  constructor(readonly result: ShellOutput) {
    super(`command exited with code ${result.exitCode}`);
  }
}

interface Options {
  cwd?: string;
  env?: Record<string, string>;
  throws: boolean;
}

/** The pending command: a promise of its output, with Bun's chainable options (cwd, env, nothrow, quiet, text...). */
class ShellPromise implements PromiseLike<ShellOutput> {
  private running?: Promise<ShellOutput>;

  constructor(
    private readonly run: ShellRun,
    private readonly command: string,
    private readonly opts: Options,
  ) {}

  cwd(dir: string): this {
    this.opts.cwd = dir;
    return this;
  }
  env(env: Record<string, string> | undefined): this {
    this.opts.env = env;
    return this;
  }
  quiet(): this {
    return this;
  }
  nothrow(): this {
    this.opts.throws = false;
    return this;
  }
  throws(value: boolean): this {
    this.opts.throws = value;
    return this;
  }
  async text(): Promise<string> {
    return (await this).text();
  }
  async json(): Promise<unknown> {
    return (await this).json();
  }
  async *lines(): AsyncIterable<string> {
    for (const line of (await this.text()).split('\n')) if (line) yield line;
  }

  then<A = ShellOutput, B = never>(
    onfulfilled?: ((value: ShellOutput) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.running ??= this.execute();
    return this.running.then(onfulfilled, onrejected);
  }

  catch<B = never>(onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): Promise<ShellOutput | B> {
    return this.then(undefined, onrejected);
  }

  private async execute(): Promise<ShellOutput> {
    const { output, exitCode } = await this.run(this.command, { cwd: this.opts.cwd, env: this.opts.env });
    // The sandbox merges the two streams: all of it is stdout.
    const stdout = Buffer.from(output);
    const result: ShellOutput = {
      stdout,
      stderr: Buffer.alloc(0),
      exitCode,
      text: () => stdout.toString('utf8'),
      json: () => JSON.parse(stdout.toString('utf8')),
      bytes: () => new Uint8Array(stdout),
    };
    if (exitCode !== 0 && this.opts.throws) throw new ShellError(result);
    return result;
  }
}

export interface PluginShell {
  (strings: TemplateStringsArray, ...expressions: Expression[]): ShellPromise;
  escape(input: string): string;
  braces(pattern: string): string[];
  cwd(dir?: string): PluginShell;
  env(env?: Record<string, string | undefined>): PluginShell;
  nothrow(): PluginShell;
  throws(value: boolean): PluginShell;
}

export function createShell(run: ShellRun, defaults: Omit<Options, 'throws'> & { throws?: boolean } = {}): PluginShell {
  const base: Options = { throws: true, ...defaults };
  const $ = ((strings: TemplateStringsArray, ...expressions: Expression[]) => {
    const command = strings.reduce(
      (acc, part, i) => acc + part + (i < expressions.length ? render(expressions[i]) : ''),
      '',
    );
    return new ShellPromise(run, command, { ...base });
  }) as PluginShell;
  $.escape = quote;
  $.braces = (pattern) => [pattern];
  $.cwd = (dir) => createShell(run, { ...base, cwd: dir });
  $.env = (env) =>
    createShell(run, {
      ...base,
      env: Object.fromEntries(Object.entries(env ?? {}).filter((e): e is [string, string] => e[1] !== undefined)),
    });
  $.nothrow = () => createShell(run, { ...base, throws: false });
  $.throws = (value) => createShell(run, { ...base, throws: value });
  return $;
}
