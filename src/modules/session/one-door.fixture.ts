import fs from 'node:fs';
import path from 'node:path';

// For the one-door specs (STYLE rule 21): which production files of src match a pattern.

const SRC = path.resolve(__dirname, '../..');

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(full);
    return e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts') && !e.name.endsWith('.fixture.ts') ? [full] : [];
  });
}

let files: { file: string; text: string }[] | undefined;

/** The files (relative to src, sorted) whose text matches `pattern`, leaving out those whose path matches `except`. */
export function callers(pattern: RegExp, except?: RegExp): string[] {
  files ??= sources(SRC).map((file) => ({ file: path.relative(SRC, file), text: fs.readFileSync(file, 'utf8') }));
  return files
    .filter((f) => pattern.test(f.text) && !except?.test(f.file))
    .map((f) => f.file)
    .sort();
}
