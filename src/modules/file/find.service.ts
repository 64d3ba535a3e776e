import { Injectable } from '@nestjs/common';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import type { AuthContext } from '../../core/auth/auth-context';
import { BadRequestError } from '../../core/errors/domain-error';
import { globFiles, grepFiles } from '../workspace/file-search';
import { loadIgnoreMatcher } from '../workspace/ignore-rules';
import { checkRegex, type Submatch, withRegexWorker } from '../workspace/regex-worker';
import { findRipgrep } from '../workspace/ripgrep';
import type { Workspace } from '../workspace/workspace';
import type { TextMatch } from './file.types';
import { fuzzyFilter } from './fuzzy';
import { ProjectWorkspaceService } from './project-workspace.service';

const TEXT_LIMIT = 10;
const SUBMATCH_BUDGET_MS = 2_000;
const YIELD_MS = 10;

/** GET /find, /find/file, /find/symbol over the project's files: ripgrep when installed, the JS walk otherwise. */
@Injectable()
export class FindService {
  /** Overridable so tests can exercise the built-in fallback. */
  rgPath: string | undefined = findRipgrep();

  constructor(private readonly workspaces: ProjectWorkspaceService) {}

  async text(auth: AuthContext, directory: string | undefined, pattern: string): Promise<TextMatch[]> {
    const ws = await this.workspaces.open(auth, directory);
    let files;
    try {
      files = await grepFiles(ws, ws.root, true, pattern, { rgPath: this.rgPath, maxMatches: TEXT_LIMIT });
    } catch (err) {
      throw new BadRequestError(
        `Invalid search pattern: ${(err as Error).message.slice(0, 300)}`,
        { pattern },
        'invalid_pattern',
      );
    }
    // ripgrep honours .gitignore only inside a git repository; /file marks the same entries ignored.
    const ignored = await loadIgnoreMatcher(ws.root);
    const out: TextMatch[] = [];
    for (const f of files) {
      const rel = path.relative(ws.root, f.absolute);
      if (isIgnored(ignored, rel)) continue;
      const offsets = await lineOffsets(ws, rel);
      for (const m of f.matches) {
        if (out.length >= TEXT_LIMIT) break;
        out.push({
          path: { text: rel },
          lines: { text: m.text + '\n' },
          line_number: m.line,
          absolute_offset: offsets?.[m.line - 1] ?? 0,
          submatches: [],
        });
      }
    }
    const found = await submatches(
      pattern,
      out.map((o) => o.lines.text.slice(0, -1)),
    );
    out.forEach((o, i) => (o.submatches = found[i] ?? []));
    return out;
  }

  async files(
    auth: AuthContext,
    directory: string | undefined,
    q: { query: string; dirs?: 'true' | 'false'; type?: 'file' | 'directory'; limit?: number },
  ): Promise<string[]> {
    const ws = await this.workspaces.open(auth, directory);
    const found = await globFiles(ws, ws.root, '**', { rgPath: this.rgPath });
    const ignored = await loadIgnoreMatcher(ws.root);
    const files: string[] = [];
    let slice = performance.now();
    for (const f of found) {
      const rel = path.relative(ws.root, f.absolute);
      if (rel && !rel.startsWith('..') && !isIgnored(ignored, rel)) files.push(rel);
      // A large tree against a long ignore file: give other requests the loop every few milliseconds.
      if (performance.now() - slice > YIELD_MS) {
        await setImmediate();
        slice = performance.now();
      }
    }
    const dirs = new Set<string>();
    for (const f of files) for (let d = path.dirname(f); d !== '.'; d = path.dirname(d)) dirs.add(d + '/');
    const wantDirs = q.type === 'directory' || (q.type === undefined && q.dirs !== 'false');
    const candidates = q.type === 'directory' ? [...dirs] : wantDirs ? [...files, ...dirs] : files;
    return fuzzyFilter(q.query, candidates, q.limit ?? 10);
  }
}

// The matcher already answers for the folders on the way (and remembers each folder's verdict).
function isIgnored(ignored: (rel: string, isDir: boolean) => boolean, rel: string): boolean {
  return ignored(rel, false);
}

/** Byte offset of each line start, for OpenCode's `absolute_offset`. */
async function lineOffsets(ws: Workspace, rel: string): Promise<number[] | undefined> {
  try {
    const { data } = await ws.readBytes(rel);
    const offsets = [0];
    for (let i = 0; i < data.length; i++) if (data[i] === 10) offsets.push(i + 1);
    return offsets;
  } catch {
    return undefined;
  }
}

/** Match spans per line with byte offsets, computed in the regex worker; none when the pattern is ripgrep-only syntax or too slow. */
async function submatches(pattern: string, lines: string[]): Promise<TextMatch['submatches'][]> {
  if (lines.length === 0) return [];
  try {
    checkRegex(pattern);
  } catch {
    return [];
  }
  const spans = await withRegexWorker(pattern, SUBMATCH_BUDGET_MS, (worker) => worker.submatches(lines)).catch(
    () => [] as Submatch[][],
  );
  return lines.map((line, i) =>
    (spans[i] ?? []).map((s) => ({
      match: { text: s.text },
      start: Buffer.byteLength(line.slice(0, s.start)),
      end: Buffer.byteLength(line.slice(0, s.end)),
    })),
  );
}
