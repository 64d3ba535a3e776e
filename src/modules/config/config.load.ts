// Loading the platform's own config layer: the file named by OPENCODE_CONFIG, then the inline JSON of
// OPENCODE_CONFIG_CONTENT, then OPENCODE_PERMISSION. The values arrive as arguments; the env parser
// (core config) is the only reader of process.env.
import { readFile as fsReadFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { mergeConfig } from './config.merge';
import { ConfigInvalidError } from './config.errors';
import { configIssues, parseConfig, parseJsonc } from './config.parse';
import { type Config, permissionConfigSchema } from './config.schema';

export type ReadText = (path: string) => Promise<string>;

export interface SubstituteOptions {
  /** Variables `{env:NAME}` may read; a missing one becomes the empty string, as in OpenCode. */
  env?: Record<string, string | undefined>;
  /** Directory relative `{file:…}` paths resolve against (the config file's own directory). */
  baseDir: string;
  home?: string;
  readFile?: ReadText;
  /** Names the document in errors. */
  source: string;
}

const REF = /\{(env|file):([^}]+)\}/g;

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT';
}

/**
 * Applies `{env:VAR}` and `{file:path}` on the raw text before parsing. Env values go in verbatim (so a
 * number can be injected unquoted); file contents are trimmed and escaped to sit inside a JSON string.
 * One pass: a substituted value is never scanned again, so a secret containing `{file:…}` stays literal.
 * File references on `//` comment lines are left alone so a commented-out secret file need not exist.
 */
export async function substituteReferences(text: string, opts: SubstituteOptions): Promise<string> {
  const read = opts.readFile ?? ((path: string) => fsReadFile(path, 'utf8'));
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const comment = line.trimStart().startsWith('//');
    let result = '';
    let last = 0;
    for (const match of line.matchAll(REF)) {
      const [whole, kind, ref] = match;
      let value: string;
      if (kind === 'env') value = opts.env?.[ref.trim()] ?? '';
      else if (comment) value = whole;
      else
        value = JSON.stringify(
          (await readReference(read, whole, resolveRefPath(ref.trim(), opts), opts.source)).trim(),
        ).slice(1, -1);
      result += line.slice(last, match.index) + value;
      last = match.index + whole.length;
    }
    out.push(result + line.slice(last));
  }
  return out.join('\n');
}

async function readReference(read: ReadText, ref: string, path: string, source: string): Promise<string> {
  try {
    return await read(path);
  } catch (error) {
    const reason = isMissing(error) ? `${path} does not exist` : `${path} could not be read`;
    throw new ConfigInvalidError(source, [{ path: '', message: `bad file reference "${ref}": ${reason}` }]);
  }
}

function resolveRefPath(ref: string, opts: SubstituteOptions): string {
  if (ref.startsWith('~/') && opts.home) return resolve(opts.home, ref.slice(2));
  return isAbsolute(ref) ? ref : resolve(opts.baseDir, ref);
}

export interface ParseTextOptions extends Omit<SubstituteOptions, 'source' | 'baseDir'> {
  baseDir: string;
}

/** Substitutes references, parses JSONC and validates: one config document from text. */
export async function parseConfigText(text: string, source: string, opts: ParseTextOptions): Promise<Config> {
  const substituted = await substituteReferences(text, { ...opts, source });
  return parseConfig(parseJsonc(substituted, source), source);
}

export async function loadConfigFile(path: string, opts: Omit<ParseTextOptions, 'baseDir'> = {}): Promise<Config> {
  const read = opts.readFile ?? ((p: string) => fsReadFile(p, 'utf8'));
  let text: string;
  try {
    text = await read(path);
  } catch (error) {
    // The platform named this file explicitly; a typo must stop the boot rather than silently drop it.
    const reason = isMissing(error) ? 'file does not exist' : 'file could not be read';
    throw new ConfigInvalidError(path, [{ path: '', message: reason }]);
  }
  return parseConfigText(text, path, { ...opts, baseDir: dirname(resolve(path)) });
}

export interface PlatformConfigInput {
  /** OPENCODE_CONFIG: path of a config file. */
  configPath?: string;
  /** OPENCODE_CONFIG_CONTENT: an inline config document. */
  configContent?: string;
  /** OPENCODE_PERMISSION: a JSON permission config merged into `permission` last. */
  permissionContent?: string;
  env?: Record<string, string | undefined>;
  home?: string;
  /** Base for relative `{file:}` references inside the inline content. */
  cwd?: string;
  readFile?: ReadText;
}

export async function loadPlatformConfig(input: PlatformConfigInput): Promise<Config> {
  const common = { env: input.env, home: input.home, readFile: input.readFile };
  const fromFile = input.configPath ? await loadConfigFile(input.configPath, common) : undefined;
  const fromContent = input.configContent?.trim()
    ? await parseConfigText(input.configContent, 'OPENCODE_CONFIG_CONTENT', { ...common, baseDir: input.cwd ?? '.' })
    : undefined;
  let permission: Config | undefined;
  if (input.permissionContent?.trim()) {
    const parsed = permissionConfigSchema.safeParse(parseJsonc(input.permissionContent, 'OPENCODE_PERMISSION'));
    if (!parsed.success) {
      throw new ConfigInvalidError('OPENCODE_PERMISSION', configIssues(parsed.error));
    }
    permission = { permission: parsed.data };
  }
  return mergeConfig(fromFile, fromContent, permission);
}
