// Strategies for locating the text a model meant by `oldString`, from exact to increasingly forgiving.
// Each yields candidate substrings of the content; the caller accepts the first candidate that occurs
// exactly once (or every occurrence with replaceAll).

export type Replacer = (content: string, find: string) => Iterable<string>;

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Character offset of line `index` in `lines` joined with '\n'. */
function offsetOfLine(lines: string[], index: number): number {
  let offset = 0;
  for (let i = 0; i < index; i++) offset += lines[i].length + 1;
  return offset;
}

function sliceLines(content: string, lines: string[], start: number, endInclusive: number): string {
  const from = offsetOfLine(lines, start);
  let to = from;
  for (let i = start; i <= endInclusive; i++) to += lines[i].length + (i < endInclusive ? 1 : 0);
  return content.slice(from, to);
}

/** Every window of `size` consecutive lines of content, as the exact substring. */
function* windows(content: string, size: number): Generator<string> {
  const lines = content.split('\n');
  for (let i = 0; i + size <= lines.length; i++) yield sliceLines(content, lines, i, i + size - 1);
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length || !b.length) return a.length + b.length;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

export const exactReplacer: Replacer = function* (_content, find) {
  yield find;
};

/** Same lines, ignoring leading and trailing whitespace on each. */
export const lineTrimmedReplacer: Replacer = function* (content, find) {
  const lines = content.split('\n');
  const wanted = splitLines(find).map((l) => l.trim());
  for (let i = 0; i + wanted.length <= lines.length; i++) {
    if (wanted.every((w, j) => lines[i + j].trim() === w)) yield sliceLines(content, lines, i, i + wanted.length - 1);
  }
};

/**
 * Blocks whose first and last lines match (trimmed), scored by how similar the lines between are. A lone
 * candidate is accepted whatever its score; among several, the best one needs at least 0.3.
 */
export const blockAnchorReplacer: Replacer = function* (content, find) {
  const wanted = splitLines(find);
  if (wanted.length < 3) return;
  const lines = content.split('\n');
  const first = wanted[0].trim();
  const last = wanted[wanted.length - 1].trim();
  const candidates: { start: number; end: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== first) continue;
    for (let j = i + 2; j < lines.length; j++) {
      if (lines[j].trim() === last) {
        candidates.push({ start: i, end: j });
        break;
      }
    }
  }
  if (candidates.length === 0) return;
  const similarity = ({ start, end }: { start: number; end: number }): number => {
    const inner = Math.min(wanted.length - 2, end - start - 1);
    if (inner <= 0) return 1;
    let sum = 0;
    for (let k = 1; k <= inner; k++) {
      const a = lines[start + k].trim();
      const b = wanted[k].trim();
      const longest = Math.max(a.length, b.length);
      sum += longest === 0 ? 1 : 1 - levenshtein(a, b) / longest;
    }
    return sum / inner;
  };
  if (candidates.length === 1) {
    yield sliceLines(content, lines, candidates[0].start, candidates[0].end);
    return;
  }
  let best = candidates[0];
  let bestScore = -1;
  for (const c of candidates) {
    const score = similarity(c);
    if (score > bestScore) [best, bestScore] = [c, score];
  }
  if (bestScore >= 0.3) yield sliceLines(content, lines, best.start, best.end);
};

const collapse = (s: string) => s.replace(/\s+/g, ' ').trim();

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Runs of whitespace count as one space. */
export const whitespaceNormalizedReplacer: Replacer = function* (content, find) {
  const target = collapse(find);
  if (!target) return;
  const wantedLines = splitLines(find);
  if (wantedLines.length === 1) {
    const pattern = new RegExp(target.split(' ').map(escapeRegExp).join('\\s+'));
    for (const line of content.split('\n')) {
      if (collapse(line) === target) yield line;
      else {
        const m = pattern.exec(line);
        if (m) yield m[0];
      }
    }
    return;
  }
  for (const block of windows(content, wantedLines.length)) if (collapse(block) === target) yield block;
};

function stripCommonIndent(text: string): string {
  const lines = text.split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const min = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => (l.trim() ? l.slice(min) : l)).join('\n');
}

/** The same block shifted left or right as a whole. */
export const indentationFlexibleReplacer: Replacer = function* (content, find) {
  const wantedLines = splitLines(find);
  const target = stripCommonIndent(wantedLines.join('\n'));
  for (const block of windows(content, wantedLines.length)) if (stripCommonIndent(block) === target) yield block;
};

const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  "'": "'",
  '"': '"',
  '`': '`',
  '\\': '\\',
  $: '$',
  '\n': '\n',
};

function unescape(s: string): string {
  return s.replace(/\\([ntr'"`\\$\n])/g, (_, c: string) => ESCAPES[c]);
}

/** The model wrote escape sequences (`\n`, `\"`) where the file has the real characters. */
export const escapeNormalizedReplacer: Replacer = function* (content, find) {
  const target = unescape(find);
  if (target === find) return;
  if (content.includes(target)) yield target;
  const size = target.split('\n').length;
  for (const block of windows(content, size)) if (unescape(block) === target) yield block;
};

/** Stray blank lines or spaces around the whole snippet. */
export const trimmedBoundaryReplacer: Replacer = function* (content, find) {
  const target = find.trim();
  if (!target || target === find) return;
  if (content.includes(target)) yield target;
  for (const block of windows(content, target.split('\n').length)) if (block.trim() === target) yield block;
};

/** First and last lines anchor a block of the same length whose other lines mostly (>= 50%) agree. */
export const contextAwareReplacer: Replacer = function* (content, find) {
  const wanted = splitLines(find);
  if (wanted.length < 3) return;
  const lines = content.split('\n');
  const first = wanted[0].trim();
  const last = wanted[wanted.length - 1].trim();
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== first) continue;
    for (let j = i + 2; j < lines.length; j++) {
      if (lines[j].trim() !== last) continue;
      if (j - i + 1 === wanted.length) {
        let compared = 0;
        let same = 0;
        for (let k = 1; k < wanted.length - 1; k++) {
          const a = lines[i + k].trim();
          const b = wanted[k].trim();
          if (!a && !b) continue;
          compared++;
          if (a === b) same++;
        }
        if (compared === 0 || same / compared >= 0.5) {
          yield sliceLines(content, lines, i, j);
          return;
        }
      }
      break;
    }
  }
};

/** Exact text again, for replaceAll: every occurrence is fine there. */
export const multiOccurrenceReplacer: Replacer = function* (content, find) {
  if (content.includes(find)) yield find;
};

export const REPLACERS: readonly Replacer[] = [
  exactReplacer,
  lineTrimmedReplacer,
  blockAnchorReplacer,
  whitespaceNormalizedReplacer,
  indentationFlexibleReplacer,
  escapeNormalizedReplacer,
  trimmedBoundaryReplacer,
  contextAwareReplacer,
  multiOccurrenceReplacer,
];
