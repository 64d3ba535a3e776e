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
