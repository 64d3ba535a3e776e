// Parsers for git's machine-readable (-z) output. Paths stay byte-exact: no quoting, any character allowed.

export interface TreeChange {
  path: string;
  /** Git status letter: A, D, M, T (renames are disabled upstream). */
  status: string;
  oldMode: string;
  newMode: string;
  oldSha: string;
  newSha: string;
  additions: number;
  deletions: number;
  binary: boolean;
}

export function splitNul(output: Buffer | string): string[] {
  const text = typeof output === 'string' ? output : output.toString('utf8');
  const items = text.split('\0');
  if (items.at(-1) === '') items.pop();
  return items;
}

/** Parses `diff-tree -r -z --no-renames --raw --numstat`: raw records first, then numstat records. */
export function parseRawWithNumstat(output: Buffer): TreeChange[] {
  const tokens = splitNul(output);
  const byPath = new Map<string, TreeChange>();
  const ordered: TreeChange[] = [];
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i];
    if (token.startsWith(':')) {
      const [oldMode, newMode, oldSha, newSha, status] = token.slice(1).split(' ');
      const path = tokens[i + 1];
      const change: TreeChange = {
        path,
        status: status[0],
        oldMode,
        newMode,
        oldSha,
        newSha,
        additions: 0,
        deletions: 0,
        binary: false,
      };
      byPath.set(path, change);
      ordered.push(change);
      i += 2;
      continue;
    }
    // numstat: "<added>\t<deleted>\t<path>"; the path itself may contain tabs.
    const first = token.indexOf('\t');
    const second = token.indexOf('\t', first + 1);
    const path = token.slice(second + 1);
    const change = byPath.get(path);
    if (change) {
      const added = token.slice(0, first);
      const deleted = token.slice(first + 1, second);
      change.binary = added === '-' || deleted === '-';
      change.additions = change.binary ? 0 : Number(added);
      change.deletions = change.binary ? 0 : Number(deleted);
    }
    i += 1;
  }
  return ordered;
}

/** Parses `cat-file --batch` output into object contents keyed by the requested name. */
export function parseCatFileBatch(output: Buffer): Map<string, Buffer | null> {
  const objects = new Map<string, Buffer | null>();
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    if (newline < 0) break;
    const header = output.subarray(offset, newline).toString('utf8');
    const parts = header.split(' ');
    if (parts[1] === 'missing' || parts.length < 3) {
      objects.set(parts[0], null);
      offset = newline + 1;
      continue;
    }
    const size = Number(parts[2]);
    const start = newline + 1;
    objects.set(parts[0], output.subarray(start, start + size));
    // Each object body is followed by a single LF.
    offset = start + size + 1;
  }
  return objects;
}

/** Escapes a workspace-relative path into an anchored gitignore pattern matching only that path. */
export function toExcludePattern(relativePath: string): string {
  let escaped = '';
  for (const char of relativePath) {
    if (char === '\n' || char === '\r')
      escaped += '?'; // gitignore lines cannot hold newlines; `?` matches one char
    else if ('\\*?[]!# '.includes(char)) escaped += '\\' + char;
    else escaped += char;
  }
  return '/' + escaped;
}
