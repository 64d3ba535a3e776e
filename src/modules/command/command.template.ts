/** Splits a command line into arguments; single or double quotes keep spaces together. */
export function splitArguments(text: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

/**
 * `$1..$n` take the arguments in order, the highest placeholder taking the rest; `$ARGUMENTS` takes them
 * all. A template with neither gets the arguments appended.
 */
export function applyArguments(template: string, rawArguments: string): string {
  const args = splitArguments(rawArguments);
  const numbers = [...template.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  const last = numbers.length ? Math.max(...numbers) : 0;
  let text = template.replace(/\$(\d+)/g, (_, n: string) => {
    const i = Number(n) - 1;
    if (i >= args.length) return '';
    return Number(n) === last ? args.slice(i).join(' ') : args[i];
  });
  const hasArguments = text.includes('$ARGUMENTS');
  text = text.replaceAll('$ARGUMENTS', rawArguments);
  if (!hasArguments && numbers.length === 0 && rawArguments.trim()) text = `${text}\n\n${rawArguments}`;
  return text.trim();
}

/** `` !`cmd` `` spans in order of appearance. */
export function shellSpans(text: string): { match: string; command: string }[] {
  return [...text.matchAll(/!`([^`]+)`/g)].map((m) => ({ match: m[0], command: m[1] }));
}

/**
 * Expands a template the safe way round: its `` !`cmd` `` spans are taken out first and run as written, then the
 * arguments fill the rest, so no argument ever reaches a shell (`` !`echo $ARGUMENTS` `` stays a literal `$ARGUMENTS`
 * for bash, and an argument that looks like a span stays text). `run` undefined keeps spans as text (MCP prompts).
 */
export async function expandTemplate(
  template: string,
  rawArguments: string,
  run?: (commands: string[]) => Promise<string[]>,
): Promise<string> {
  const spans = shellSpans(template);
  // NUL cannot come from a template or arguments we keep, so the markers cannot be forged.
  const marker = (i: number) => `\u0000${i}\u0000`;
  let i = 0;
  const hollow = template.replace(/!`([^`]+)`/g, () => marker(i++));
  const filled = applyArguments(hollow, rawArguments.replaceAll('\u0000', ''));
  const outputs = run && spans.length ? await run(spans.map((s) => s.command)) : spans.map((s) => s.match);
  return filled.replace(/\u0000(\d+)\u0000/g, (_, n: string) => outputs[Number(n)] ?? '');
}

/** `@path` references (not e-mail addresses, not inside words), with their position in the text. */
export function fileReferences(text: string): { path: string; start: number; end: number }[] {
  const out: { path: string; start: number; end: number }[] = [];
  for (const m of text.matchAll(/(?<![\w`@])@(\.?[^\s`,;:!?()[\]{}<>"']+)/g)) {
    const path = m[1].replace(/\.+$/, '');
    if (!path) continue;
    out.push({ path, start: m.index!, end: m.index! + 1 + path.length });
  }
  return out;
}
