// Path globs without regular expressions. Globs reach us from students (the glob tool, grep's include, list's
// ignore, .gitignore lines, config instruction entries), and every regex-based matcher we tried backtracks
// on some of them: picomatch takes 0.7 s for `*a*a…*b` on a 30-character name, the `ignore` package 20 s for
// `**/a/**/a/…/b` on a 40-level path. This matcher is a greedy scan with one backtrack point, once within a
// segment (for `*`) and once across segments (for `**`): O(path × pattern) for any input.

/** Longest pattern accepted; longer ones are refused rather than matched slowly. */
export const MAX_GLOB_LENGTH = 1024;
/** Most alternatives `{a,b}` may expand to (each is matched separately). */
export const MAX_GLOB_ALTERNATIVES = 128;
/** Most `*` and `**` in one pattern: the match costs up to (stars + 1) × path length per alternative. */
export const MAX_GLOB_STARS = 16;

export class GlobTooComplexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobTooComplexError';
  }
}

export interface GlobOptions {
  /** A pattern without `/` matches the last path segment (as picomatch's `basename`). */
  basename?: boolean;
  /** Expand `{a,b}` (default true); gitignore lines have no braces. */
  braces?: boolean;
}

type Token =
  | { kind: 'literal'; char: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'class'; negate: boolean; ranges: [string, string][] };
type Segment = { kind: 'globstar' } | { kind: 'segment'; tokens: Token[] };

export type GlobMatcher = (path: string) => boolean;
/** A matcher over a path already split by splitPath (many patterns against one path split it once). */
export type SplitGlobMatcher = (parts: string[][]) => boolean;

/** A `/`-separated path as the split matchers take it: segments of code points. */
export function splitPath(path: string): string[][] {
  return path
    .split('/')
    .filter(Boolean)
    .map((s) => Array.from(s));
}

/** Compiles `pattern`; throws GlobTooComplexError for patterns over the size bounds. */
export function compileGlob(pattern: string, options: GlobOptions = {}): GlobMatcher {
  const match = compileSplitGlob(pattern, options);
  return (path) => match(splitPath(path));
}

export function compileSplitGlob(pattern: string, options: GlobOptions = {}): SplitGlobMatcher {
  if (pattern.length > MAX_GLOB_LENGTH) throw new GlobTooComplexError(`glob longer than ${MAX_GLOB_LENGTH} characters`);
  if ((pattern.match(/\*+/g)?.length ?? 0) > MAX_GLOB_STARS)
    throw new GlobTooComplexError(`glob with more than ${MAX_GLOB_STARS} wildcards`);
  const alternatives = options.braces === false ? [pattern] : expandBraces(pattern);
  const compiled = alternatives.map((alt) => ({
    basename: !!options.basename && !alt.includes('/'),
    segments: alt.split('/').filter(Boolean).map(parseSegment),
  }));
  return (parts) => compiled.some((c) => matchSegments(c.segments, c.basename ? parts.slice(-1) : parts));
}

/** Whether `pattern` uses any glob syntax (otherwise it names one path). */
export function isGlob(pattern: string): boolean {
  return /(^|[^\\])[*?[{]/.test(pattern);
}

/** The leading folders of a pattern that contain no glob syntax (`.` when there are none). */
export function globBase(pattern: string): string {
  const parts = pattern.split('/');
  const fixed: string[] = [];
  for (const part of parts.slice(0, -1)) {
    if (isGlob(part)) break;
    fixed.push(part);
  }
  return fixed.join('/') || '.';
}

function matchSegments(pattern: Segment[], path: string[][]): boolean {
  return greedyMatch(
    pattern,
    path,
    (seg) => seg.kind === 'globstar',
    (seg, part) => seg.kind === 'segment' && greedyMatch(seg.tokens, part, (t) => t.kind === 'star', matchOne),
  );
}

/**
 * Wildcard matching with one backtrack point: on a mismatch, only the most recent star takes one more unit.
 * Enough for stars that match any run of units, and O(pattern × text). Used for `*` over the characters of
 * a segment and for `**` over the segments of a path.
 */
function greedyMatch<P, T>(
  pattern: P[],
  text: T[],
  isStar: (p: P) => boolean,
  matches: (p: P, t: T) => boolean,
): boolean {
  let t = 0;
  let p = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (p < pattern.length && isStar(pattern[p])) {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && matches(pattern[p], text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (p < pattern.length && isStar(pattern[p])) p++;
  return p === pattern.length;
}

function matchOne(token: Token, char: string): boolean {
  switch (token.kind) {
    case 'literal':
      return token.char === char;
    case 'any':
      return true;
    case 'class': {
      const inside = token.ranges.some(([lo, hi]) => char >= lo && char <= hi);
      return inside !== token.negate;
    }
    default:
      return false;
  }
}

function parseSegment(text: string): Segment {
  if (text === '**') return { kind: 'globstar' };
  const chars = Array.from(text);
  const tokens: Token[] = [];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '\\' && i + 1 < chars.length) tokens.push({ kind: 'literal', char: chars[++i] });
    else if (c === '*') {
      // `a**b` inside a segment is one star, as in picomatch and git.
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
    } else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const parsed = parseClass(chars, i);
      if (parsed) {
        tokens.push(parsed.token);
        i = parsed.end;
      } else tokens.push({ kind: 'literal', char: c });
    } else tokens.push({ kind: 'literal', char: c });
  }
  return { kind: 'segment', tokens };
}

/** `[...]` starting at `start`, or undefined when it never closes (then `[` is literal). */
function parseClass(chars: string[], start: number): { token: Token; end: number } | undefined {
  let i = start + 1;
  const negate = chars[i] === '!' || chars[i] === '^';
  if (negate) i++;
  const ranges: [string, string][] = [];
  let first = true;
  for (; i < chars.length; i++) {
    let c = chars[i];
    if (c === ']' && !first) return { token: { kind: 'class', negate, ranges }, end: i };
    first = false;
    if (c === '\\' && i + 1 < chars.length) c = chars[++i];
    if (chars[i + 1] === '-' && i + 2 < chars.length && chars[i + 2] !== ']') {
      let hi = chars[i + 2];
      i += 2;
      if (hi === '\\' && i + 1 < chars.length) hi = chars[++i];
      ranges.push([c, hi]);
    } else ranges.push([c, c]);
  }
  return undefined;
}

/** `{a,b}` alternatives, nested allowed; a brace group without a top-level comma stays literal. */
function expandBraces(pattern: string): string[] {
  const group = findBraceGroup(pattern);
  if (!group) return [pattern];
  const prefix = pattern.slice(0, group.open);
  const suffix = pattern.slice(group.close + 1);
  const out: string[] = [];
  for (const option of group.options) {
    for (const expanded of expandBraces(prefix + option + suffix)) {
      out.push(expanded);
      if (out.length > MAX_GLOB_ALTERNATIVES)
        throw new GlobTooComplexError(`glob expands to more than ${MAX_GLOB_ALTERNATIVES} alternatives`);
    }
  }
  return out;
}

function findBraceGroup(pattern: string): { open: number; close: number; options: string[] } | undefined {
  for (let open = 0; open < pattern.length; open++) {
    if (pattern[open] === '\\') {
      open++;
      continue;
    }
    if (pattern[open] !== '{') continue;
    let depth = 0;
    const commas: number[] = [];
    for (let i = open; i < pattern.length; i++) {
      const c = pattern[i];
      if (c === '\\') i++;
      else if (c === '{') depth++;
      else if (c === ',' && depth === 1) commas.push(i);
      else if (c === '}' && --depth === 0) {
        if (commas.length === 0) break;
        const bounds = [open, ...commas, i];
        const options = bounds.slice(0, -1).map((b, k) => pattern.slice(b + 1, bounds[k + 1]));
        return { open, close: i, options };
      }
    }
  }
  return undefined;
}
