// "Always allow" for a shell command approves the command's identity, not its exact arguments:
// `git commit -m "x"` approves `git commit *`, `npm run dev --port 3` approves `npm run dev *`.
// The arity says how many leading words make up that identity; the longest known prefix decides.

const ARITY: Record<string, number> = {
  // one word is the whole identity
  cat: 1,
  cd: 1,
  chmod: 1,
  cp: 1,
  diff: 1,
  du: 1,
  echo: 1,
  env: 1,
  file: 1,
  find: 1,
  grep: 1,
  head: 1,
  jest: 1,
  less: 1,
  ls: 1,
  mkdir: 1,
  mv: 1,
  node: 1,
  pwd: 1,
  pytest: 1,
  python: 1,
  python3: 1,
  rg: 1,
  rm: 1,
  sed: 1,
  sort: 1,
  stat: 1,
  tail: 1,
  touch: 1,
  tree: 1,
  tsc: 1,
  uniq: 1,
  vitest: 1,
  wc: 1,
  which: 1,
  // tool + subcommand
  apt: 2,
  'apt-get': 2,
  brew: 2,
  bun: 2,
  cargo: 2,
  composer: 2,
  deno: 2,
  docker: 2,
  dotnet: 2,
  git: 2,
  go: 2,
  gradle: 2,
  kubectl: 2,
  make: 2,
  mvn: 2,
  npm: 2,
  npx: 2,
  pip: 2,
  pip3: 2,
  pnpm: 2,
  poetry: 2,
  uv: 2,
  yarn: 2,
  // tool + subcommand + target
  'bun run': 3,
  'docker compose': 3,
  gh: 3,
  'git remote': 3,
  'git stash': 3,
  'npm exec': 3,
  'npm run': 3,
  'pnpm run': 3,
  'python -m': 3,
  'python3 -m': 3,
  'uv run': 3,
  'yarn run': 3,
};

/** Splits one simple command into words, honouring quotes and backslash escapes (no expansion). */
export function tokenize(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const ch = command[i];
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < command.length) current += command[++i];
      else current += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (ch === '\\' && i + 1 < command.length) {
      current += command[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/** The identity words of a command; leading `VAR=value` assignments are not part of it. */
export function commandPrefix(words: string[]): string[] {
  let start = 0;
  while (start < words.length && ASSIGNMENT.test(words[start])) start++;
  const rest = words.slice(start);
  for (let len = Math.min(rest.length, 3); len > 0; len--) {
    const arity = ARITY[rest.slice(0, len).join(' ')];
    if (arity !== undefined) return rest.slice(0, arity);
  }
  return rest.slice(0, 1);
}

/** The pattern an "always" reply stores for a command, or undefined for an empty command. */
export function alwaysPattern(command: string): string | undefined {
  const prefix = commandPrefix(tokenize(command));
  return prefix.length ? `${prefix.join(' ')} *` : undefined;
}
