import type { ChangeStatus } from './file.types';

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

function unquote(p: string): string {
  return p.startsWith('"') && p.endsWith('"') ? p.slice(1, -1).replace(/\\(.)/g, '$1') : p;
}

/** `git status --porcelain=v1` → path → status; `??` is an untracked (added) file. */
export function parsePorcelain(text: string): Map<string, { status: ChangeStatus; untracked: boolean }> {
  const out = new Map<string, { status: ChangeStatus; untracked: boolean }>();
  for (const line of text.split('\n')) {
    if (line.length < 4) continue;
    const code = line.slice(0, 2);
    const file = unquote(line.slice(3));
    if (code === '!!') continue;
    const untracked = code === '??';
    const status: ChangeStatus =
      untracked || code.includes('A') ? 'added' : code.includes('D') ? 'deleted' : 'modified';
    out.set(file, { status, untracked });
  }
  return out;
}

/** `git diff --numstat` → path → line counts (binary files count 0). */
export function parseNumstat(text: string): Map<string, { additions: number; deletions: number }> {
  const out = new Map<string, { additions: number; deletions: number }>();
  for (const line of text.split('\n')) {
    const m = /^(\d+|-)\t(\d+|-)\t(.+)$/.exec(line);
    if (!m) continue;
    out.set(unquote(m[3]), { additions: m[1] === '-' ? 0 : Number(m[1]), deletions: m[2] === '-' ? 0 : Number(m[2]) });
  }
  return out;
}

/** `git diff --name-status` → path → status (A added, D deleted, anything else modified). */
export function parseNameStatus(text: string): Map<string, ChangeStatus> {
  const out = new Map<string, ChangeStatus>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z])\d*\t(.+)$/.exec(line);
    if (m) out.set(unquote(m[2]), m[1] === 'A' ? 'added' : m[1] === 'D' ? 'deleted' : 'modified');
  }
  return out;
}

/** One unified diff of many files → the patch of each file, keyed by its new path. */
export function splitPatch(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const starts: { index: number; file: string }[] = [];
  const re = /^diff --git a\/(.+?) b\/(.+)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) starts.push({ index: m.index, file: unquote(m[2]) });
  starts.forEach((s, i) =>
    out.set(s.file, text.slice(s.index, starts[i + 1]?.index ?? text.length).replace(/\n+$/, '\n')),
  );
  return out;
}

export function countLines(text: string): number {
  if (!text) return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}
