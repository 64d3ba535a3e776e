// File listing and content search for glob/grep: ripgrep when installed, a confined JS walk otherwise.
// Either way symlinks are never followed and hard-linked files are dropped from content results.
import fs from 'node:fs/promises';
import path from 'node:path';
import { compileGlob } from './glob-match';
import { isBinary } from './file-kind';
import { readHostText } from './host-file';
import { compileGitignore, MAX_IGNORE_BYTES } from './ignore-rules';
import { withRegexWorker } from './regex-worker';
import { runRipgrep } from './ripgrep';
import { isInside } from './workspace-path';
import { walk } from './workspace-walk';
import type { Workspace } from './workspace';

function rootFor(ws: Workspace, dir: string): string {
  return isInside(ws.root, dir) ? ws.root : dir;
}

export interface FoundFile {
  absolute: string;
  mtimeMs: number;
}

export interface SearchOptions {
  /** Absolute ripgrep path, or undefined for the built-in fallback. */
  rgPath?: string;
  signal?: AbortSignal;
}

async function gitignoreOf(dir: string): Promise<(rel: string, isDir: boolean) => boolean> {
  const text = await readHostText(dir, '.gitignore', { maxBytes: MAX_IGNORE_BYTES });
  return text === undefined ? () => false : compileGitignore(text);
}

/** Files under `dir`, skipping `.git` and what the project's root .gitignore (and the folder's own) exclude. */
async function fallbackFiles(dir: string, projectRoot: string, signal?: AbortSignal): Promise<string[]> {
  const bases = [...new Set([projectRoot, dir])].filter((b) => isInside(b, dir));
  const rules = await Promise.all(bases.map(async (base) => ({ base, ignored: await gitignoreOf(base) })));
  const ignored = (abs: string, isDir: boolean) =>
    rules.some((r) => r.ignored(path.relative(r.base, abs).split(path.sep).join('/'), isDir));
  const out: string[] = [];
  const skipDir = (e: { name: string; absolute: string }) => e.name === '.git' || ignored(e.absolute, true);
  for await (const e of walk(dir, dir, { skipDir, signal })) {
    if (e.type === 'file' && !ignored(e.absolute, false)) out.push(e.relative);
  }
  return out;
}

async function withMtimes(dir: string, relatives: string[]): Promise<FoundFile[]> {
  const out: FoundFile[] = [];
  for (const rel of relatives) {
    const absolute = path.join(dir, rel);
    if (!isInside(dir, absolute)) continue;
    const st = await fs.lstat(absolute).catch(() => undefined);
    if (st?.isFile()) out.push({ absolute, mtimeMs: st.mtimeMs });
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || a.absolute.localeCompare(b.absolute));
}

/** ripgrep's exit 2 for a folder with nothing to search (empty, or everything ignored): no matches, not a failure. */
const nothingSearched = (stderr: string) => /^No files were searched\b/m.test(stderr.trim());

/** Regular files under `dir` matching `pattern`, newest first. */
export async function globFiles(
  ws: Workspace,
  dir: string,
  pattern: string,
  opts: SearchOptions = {},
): Promise<FoundFile[]> {
  let relatives: string[];
  if (opts.rgPath) {
    const run = await runRipgrep(opts.rgPath, ['--files', '--hidden', '--glob', '!.git', '--glob', pattern], {
      cwd: dir,
      signal: opts.signal,
    });
    if (run.code === 2 && !run.stdout && !nothingSearched(run.stderr))
      throw new Error(`ripgrep failed: ${run.stderr.trim()}`);
    relatives = run.stdout.split('\n').filter(Boolean);
    if (run.truncated) relatives.pop();
  } else {
    const match = compileGlob(pattern, { basename: true });
    relatives = (await fallbackFiles(dir, rootFor(ws, dir), opts.signal)).filter((rel) => match(rel));
  }
  return withMtimes(dir, relatives);
}

export interface LineMatch {
  line: number;
  text: string;
}

export interface FileMatches extends FoundFile {
  matches: LineMatch[];
}

export interface GrepOptions extends SearchOptions {
  include?: string;
  /** Stop collecting after this many matching lines (the caller shows fewer). */
  maxMatches?: number;
  /** Fallback only: time budget of the whole search for the JS regex (run in a worker; it can backtrack badly). */
  regexTimeoutMs?: number;
}

/** Lines matching `pattern` in files under `target` (a folder or one file), files newest first. */
export async function grepFiles(
  ws: Workspace,
  target: string,
  isDir: boolean,
  pattern: string,
  opts: GrepOptions = {},
): Promise<FileMatches[]> {
  const maxMatches = opts.maxMatches ?? 5000;
  const cwd = isDir ? target : path.dirname(target);
  const byFile = new Map<string, LineMatch[]>();
  let total = 0;
  const add = (abs: string, m: LineMatch) => {
    if (total >= maxMatches) return;
    total++;
    const list = byFile.get(abs) ?? [];
    list.push(m);
    byFile.set(abs, list);
  };

  if (opts.rgPath) {
    const args = [
      '--json',
      '--hidden',
      '--glob',
      '!.git',
      '--max-filesize',
      String(ws.options.maxReadBytes),
      '--regexp',
      pattern,
    ];
    if (opts.include) args.push('--glob', opts.include);
    if (!isDir) args.push('--', path.basename(target));
    const run = await runRipgrep(opts.rgPath, args, { cwd, signal: opts.signal });
    if (run.code === 2 && !run.stdout.includes('"type":"match"') && !nothingSearched(run.stderr))
      throw new Error(run.stderr.trim() || 'ripgrep failed');
    for (const line of run.stdout.split('\n')) {
      if (!line.startsWith('{"type":"match"')) continue;
      let event: { data: { path: { text?: string }; line_number: number; lines: { text?: string } } };
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      const rel = event.data.path.text;
      const text = event.data.lines.text;
      if (rel === undefined || text === undefined) continue;
      add(path.resolve(cwd, rel), { line: event.data.line_number, text: text.replace(/\r?\n$/, '') });
    }
  } else {
    const includeMatch = opts.include ? compileGlob(opts.include, { basename: true }) : undefined;
    await withRegexWorker(pattern, opts.regexTimeoutMs ?? 10_000, async (worker) => {
      const files = isDir
        ? (await fallbackFiles(cwd, rootFor(ws, cwd), opts.signal)).filter((rel) => !includeMatch || includeMatch(rel))
        : [path.basename(target)];
      for (const rel of files) {
        if (total >= maxMatches || opts.signal?.aborted) break;
        const abs = path.join(cwd, rel);
        let data: Buffer;
        try {
          ({ data } = await ws.readBytes(abs));
        } catch {
          continue;
        }
        if (isBinary(abs, data)) continue;
        const text = data.toString('utf8');
        const hits = await worker.lines(text);
        if (hits.length === 0) continue;
        const lines = text.split('\n');
        for (const i of hits) add(abs, { line: i + 1, text: lines[i].replace(/\r$/, '') });
      }
    });
  }

  // ripgrep reads whatever it finds; drop results from files a direct read would refuse.
  const results: FileMatches[] = [];
  for (const [absolute, matches] of byFile) {
    if (!isInside(ws.root, absolute) && !(ws.outputDir && isInside(ws.outputDir, absolute))) continue;
    const st = await fs.lstat(absolute).catch(() => undefined);
    if (!st?.isFile()) continue;
    if (st.nlink > 1 && !ws.options.allowHardLinkedReads) continue;
    results.push({ absolute, mtimeMs: st.mtimeMs, matches: matches.sort((a, b) => a.line - b.line) });
  }
  return results.sort((a, b) => b.mtimeMs - a.mtimeMs || a.absolute.localeCompare(b.absolute));
}
