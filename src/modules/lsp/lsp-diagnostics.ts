import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver-protocol';

/** At most this many errors are shown per file, and errors of at most this many other files (OpenCode's caps). */
export const MAX_PER_FILE = 20;
export const MAX_OTHER_FILES = 5;

const SEVERITY: Record<number, string> = { 1: 'ERROR', 2: 'WARN', 3: 'INFO', 4: 'HINT' };

/** `ERROR [3:7] Cannot find name 'x'.` — 1-based, as an editor shows it. */
export function prettyDiagnostic(d: Diagnostic): string {
  return `${SEVERITY[d.severity ?? 1] ?? 'ERROR'} [${d.range.start.line + 1}:${d.range.start.character + 1}] ${d.message}`;
}

function block(file: string, errors: Diagnostic[]): string {
  const shown = errors.slice(0, MAX_PER_FILE).map(prettyDiagnostic).join('\n');
  const more = errors.length > MAX_PER_FILE ? `\n... and ${errors.length - MAX_PER_FILE} more` : '';
  return `<diagnostics file="${file}">\n${shown}${more}\n</diagnostics>`;
}

/**
 * What edit, write and apply_patch append to their output, in OpenCode's words: the errors (severity 1) of the
 * files the tool changed, and — for write, which may break importers — of up to five other files.
 */
export function diagnosticsReport(
  diagnostics: Record<string, Diagnostic[]>,
  changed: string[],
  includeOthers: boolean,
  root: string,
): string {
  let out = '';
  let others = 0;
  for (const [file, all] of Object.entries(diagnostics)) {
    const errors = all.filter((d) => (d.severity ?? 1) === 1);
    if (errors.length === 0) continue;
    if (changed.includes(file)) {
      const label = changed.length > 1 ? ` in ${path.relative(root, file)}` : ' in this file';
      out += `\n\nLSP errors detected${label}, please fix:\n${block(file, errors)}`;
      continue;
    }
    if (!includeOthers || others >= MAX_OTHER_FILES) continue;
    others++;
    out += `\n\nLSP errors detected in other files:\n${block(file, errors)}`;
  }
  return out;
}
