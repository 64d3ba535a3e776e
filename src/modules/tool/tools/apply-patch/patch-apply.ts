import { ToolError } from '../../tool.types';
import type { PatchChunk } from './patch-parse';

// Typographic characters models and editors swap for their ASCII twins.
const PUNCTUATION: [RegExp, string][] = [
  [/[\u2010-\u2015\u2212]/g, '-'],
  [/[\u2018\u2019\u201A\u201B]/g, "'"],
  [/[\u201C\u201D\u201E\u201F]/g, '"'],
  [/[\u00A0\u2002-\u200A\u202F\u205F\u3000]/g, ' '],
];

function normalise(s: string): string {
  let out = s.trim();
  for (const [re, ascii] of PUNCTUATION) out = out.replace(re, ascii);
  return out;
}

const COMPARERS: ((a: string, b: string) => boolean)[] = [
  (a, b) => a === b,
  (a, b) => a.trimEnd() === b.trimEnd(),
  (a, b) => a.trim() === b.trim(),
  (a, b) => normalise(a) === normalise(b),
];

/** Index where `pattern` occurs in `lines` at or after `start`, trying stricter comparisons first. */
export function seekSequence(lines: string[], pattern: string[], start: number, atEnd: boolean): number {
  if (pattern.length === 0) return start;
  if (pattern.length > lines.length) return -1;
  const last = lines.length - pattern.length;
  for (const same of COMPARERS) {
    const matchesAt = (i: number) => pattern.every((p, k) => same(lines[i + k], p));
    if (atEnd && last >= start && matchesAt(last)) return last;
    for (let i = start; i <= last; i++) if (matchesAt(i)) return i;
  }
  return -1;
}

/** Applies update hunks to LF text; the result always ends with a newline. */
export function applyChunks(original: string, chunks: PatchChunk[], file: string): string {
  const lines = original.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const replacements: [start: number, remove: number, insert: string[]][] = [];
  let cursor = 0;
  for (const chunk of chunks) {
    if (chunk.context !== undefined) {
      const at = seekSequence(lines, [chunk.context], cursor, false);
      if (at === -1)
        throw new ToolError(
          `Failed to apply the patch to ${file}: could not find the context line ${JSON.stringify(chunk.context)}.`,
        );
      cursor = at + 1;
    }
    if (chunk.oldLines.length === 0) {
      // Pure insertion: after the @@ context when there is one, else at the end of the file.
      const at = chunk.context !== undefined && !chunk.endOfFile ? cursor : lines.length;
      replacements.push([at, 0, chunk.newLines]);
      continue;
    }
    let oldLines = chunk.oldLines;
    let newLines = chunk.newLines;
    let at = seekSequence(lines, oldLines, cursor, chunk.endOfFile);
    if (at === -1 && oldLines[oldLines.length - 1] === '') {
      // A trailing blank context line often stands for the end of the file, which has no line of its own.
      oldLines = oldLines.slice(0, -1);
      if (newLines[newLines.length - 1] === '') newLines = newLines.slice(0, -1);
      at = seekSequence(lines, oldLines, cursor, chunk.endOfFile);
    }
    if (at === -1) {
      throw new ToolError(
        `Failed to apply the patch to ${file}: these lines were not found:\n${chunk.oldLines.join('\n')}`,
      );
    }
    replacements.push([at, oldLines.length, newLines]);
    cursor = at + oldLines.length;
  }
  replacements.sort((a, b) => b[0] - a[0]);
  for (const [start, remove, insert] of replacements) lines.splice(start, remove, ...insert);
  return lines.length > 0 ? lines.join('\n') + '\n' : '';
}
