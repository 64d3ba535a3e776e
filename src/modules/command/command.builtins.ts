export interface CommandInfo {
  name: string;
  description?: string;
  agent?: string;
  model?: string;
  variant?: string;
  source?: 'command' | 'mcp' | 'skill';
  template: string;
  subtask?: boolean;
  hints: string[];
}

const INIT_TEMPLATE = `Look through this project and write (or improve) an AGENTS.md file at its root for coding agents that will work here later.

Cover, briefly:
- how to build, lint and run the tests, including how to run a single test;
- the code style the project actually follows: imports, formatting, naming, types, error handling;
- anything surprising a newcomer would trip over.

Keep it to about 20 to 30 lines. If an AGENTS.md already exists, improve it rather than starting over.
$ARGUMENTS`;

const REVIEW_TEMPLATE = `Review the current changes in this project (uncommitted work, or the given target: $ARGUMENTS).

Read the changed files, then report, most important first:
- bugs and behaviour that is likely wrong;
- security problems and missing input checks;
- missing or weak tests;
- smaller readability issues.

Quote file paths and line numbers. Do not change any file; only report.`;

/** The commands every project has (OpenCode ships `init` and `review` too). */
export const BUILTIN_COMMANDS: CommandInfo[] = [
  {
    name: 'init',
    description: 'create or update AGENTS.md',
    source: 'command',
    template: INIT_TEMPLATE,
    hints: ['$ARGUMENTS'],
  },
  {
    name: 'review',
    description: 'review changes [commit|branch|pr], defaults to uncommitted',
    source: 'command',
    template: REVIEW_TEMPLATE,
    hints: ['$ARGUMENTS'],
  },
];

/** Placeholders a template uses, for clients to prompt for arguments: `$1`, `$2`, ..., `$ARGUMENTS`. */
export function templateHints(template: string): string[] {
  const numbered = [...new Set([...template.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])))]
    .sort((a, b) => a - b)
    .map((n) => `$${n}`);
  return template.includes('$ARGUMENTS') ? [...numbered, '$ARGUMENTS'] : numbered;
}
