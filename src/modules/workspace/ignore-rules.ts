import { compileSplitGlob, splitPath, type SplitGlobMatcher } from './glob-match';
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
  match: SplitGlobMatcher;
}

export type IgnoreMatcher = (relative: string, isDirectory: boolean) => boolean;

/** Bounds on what one ignore file may ask of the matcher: every path listed is tested against every rule. */
export const MAX_IGNORE_BYTES = 64 * 1024;
export const MAX_IGNORE_RULES = 1000;
export const MAX_IGNORE_LINE = 256;
const MAX_CACHED_FOLDERS = 20_000;
/** Sum of the rules' weights (see below): about 700 plain lines (GitHub's Node template is ~130), fewer with many wildcards. */
const MAX_IGNORE_WEIGHT = 1_500;

/**
 * Compiles the common subset of .gitignore syntax: comments, `!` negation, `/` anchoring, `dir/` rules.
 * Lines past the bounds are dropped (a file that long is not a hand-written ignore file).
 */
export function compileGitignore(text: string): IgnoreMatcher {
  const rules: Rule[] = [];
  let spent = 0;
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
    // Testing one path costs about (globstars + 1) × (stars + 1) steps per path unit for each rule; the
    // file's rules share one budget, so a hostile file cannot make one listing hold the loop for long.
    const globstars = glob.split('/').filter((segment) => segment === '**').length;
    const weight = (globstars + 1) * ((glob.match(/\*+/g)?.length ?? 0) - globstars + 1);
    if (spent + weight > MAX_IGNORE_WEIGHT) continue;
    try {
      rules.push({ negate, dirOnly, match: compileSplitGlob(glob, { braces: false }) });
      spent += weight;
    } catch {
      // Over the glob bounds (e.g. dozens of stars): no hand-written ignore line looks like that.
    }
  }
  const test = (rel: string, isDir: boolean): boolean | undefined => {
    const parts = splitPath(rel);
    // Later rules win, so the first match from the end decides.
    for (let i = rules.length - 1; i >= 0; i--) {
      const rule = rules[i];
      if (rule.dirOnly && !isDir) continue;
      if (rule.match(parts)) return !rule.negate;
    }
    return undefined;
  };
  // Every path below a folder asks about that folder again; each folder's verdict is computed once.
  const folders = new Map<string, boolean>();
  const folderIgnored = (folder: string): boolean => {
    let verdict = folders.get(folder);
    if (verdict === undefined) {
      const slash = folder.lastIndexOf('/');
      verdict = (slash > 0 && folderIgnored(folder.slice(0, slash))) || test(folder, true) === true;
      if (folders.size >= MAX_CACHED_FOLDERS) folders.clear();
      folders.set(folder, verdict);
    }
    return verdict;
  };
  return (relative, isDirectory) => {
    if (!relative) return false;
    // A file inside an ignored folder is ignored too; git does not let a later rule re-include it.
    const slash = relative.lastIndexOf('/');
    if (slash > 0 && folderIgnored(relative.slice(0, slash))) return true;
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
