import { compileGlob } from './glob-match';
import { readHostText } from './host-file';

/** Folders the listing tools skip and the file routes flag as ignored, whatever .gitignore says. */
export const DEFAULT_IGNORED_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.svn',
  '.hg',
  'dist',
  'build',
  'out',
  'target',
  'vendor',
  'bin',
  'obj',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  'coverage',
  '.nyc_output',
  '__pycache__',
  '.pytest_cache',
  '.mypy_cache',
  '.venv',
  'venv',
  'env',
  '.idea',
  '.vscode',
  '.gradle',
  'tmp',
  'temp',
  'logs',
]);

interface Rule {
  negate: boolean;
  dirOnly: boolean;
  match: (rel: string) => boolean;
}

export type IgnoreMatcher = (relative: string, isDirectory: boolean) => boolean;

/** Bounds on what one ignore file may ask of the matcher: every path listed is tested against every rule. */
export const MAX_IGNORE_BYTES = 64 * 1024;
export const MAX_IGNORE_RULES = 1000;
export const MAX_IGNORE_LINE = 256;

/**
 * Compiles the common subset of .gitignore syntax: comments, `!` negation, `/` anchoring, `dir/` rules.
 * Lines past the bounds are dropped (a file that long is not a hand-written ignore file).
 */
export function compileGitignore(text: string): IgnoreMatcher {
  const rules: Rule[] = [];
  for (const raw of text.slice(0, MAX_IGNORE_BYTES).split(/\r?\n/)) {
    if (rules.length >= MAX_IGNORE_RULES) break;
    if (raw.length > MAX_IGNORE_LINE) continue;
    let line = raw.replace(/(?<!\\)\s+$/, '');
    if (!line || line.startsWith('#')) continue;
    const negate = line.startsWith('!');
    if (negate) line = line.slice(1);
    const dirOnly = line.endsWith('/');
    if (dirOnly) line = line.replace(/\/+$/, '');
    if (!line) continue;
    const anchored = line.includes('/');
    line = line.replace(/^\/+/, '');
    const glob = anchored ? line : `**/${line}`;
    rules.push({ negate, dirOnly, match: compileGlob(glob, { braces: false }) });
  }
  const test = (rel: string, isDir: boolean): boolean | undefined => {
    let verdict: boolean | undefined;
    for (const rule of rules) {
      if (rule.dirOnly && !isDir) continue;
      if (rule.match(rel)) verdict = !rule.negate;
    }
    return verdict;
  };
  return (relative, isDirectory) => {
    if (!relative) return false;
    // A file inside an ignored folder is ignored too; git does not let a later rule re-include it.
    const parts = relative.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (test(parts.slice(0, i).join('/'), true)) return true;
    }
    return test(relative, isDirectory) ?? false;
  };
}

/** Default folders plus the project's root .gitignore (read only when it is a small regular file). */
export async function loadIgnoreMatcher(root: string): Promise<IgnoreMatcher> {
  // No .gitignore (or a link, FIFO, device or oversized one): only the defaults apply.
  const text = await readHostText(root, '.gitignore', { maxBytes: MAX_IGNORE_BYTES });
  const gitignore: IgnoreMatcher = text === undefined ? () => false : compileGitignore(text);
  return (relative, isDirectory) => {
    const parts = relative.split('/');
    const dirs = isDirectory ? parts : parts.slice(0, -1);
    if (dirs.some((p) => DEFAULT_IGNORED_DIRS.has(p))) return true;
    return gitignore(relative, isDirectory);
  };
}
