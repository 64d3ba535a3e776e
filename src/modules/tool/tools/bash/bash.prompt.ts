export const BASH_DESCRIPTION = `Runs a shell command (bash) in the project's workspace and returns what it printed.

How it runs:
- Each call starts a fresh shell in an isolated sandbox: only the workspace is writable, /tmp is private and
  emptied after the call, and nothing outside the workspace is visible except the system's programs.
- The network is off unless this project allows it. Services on the server (databases, internal APIs) are
  never reachable.
- Commands run as an unprivileged user with limits on processes, memory, CPU time and file size.
- stdout and stderr come back merged. Long output is cut in the middle; the total size is reported and the full
  text is kept in a file whose path is given in the result.

Parameters:
- command: the command line. Chain steps with && when each needs the previous one to succeed; use ; only when
  later steps should run regardless. Quote paths containing spaces.
- description: 5 to 10 words saying what the command does, e.g. "Run the unit tests" or "List changed files".
- timeout: optional limit in milliseconds (default 120000). The command and everything it started is killed when
  it runs out.
- workdir: optional directory to run in, relative to the workspace root or absolute inside it. Prefer this
  over "cd dir && ...".

Prefer the dedicated tools over shell equivalents: read files with the read tool, search with grep and glob,
change files with edit and write. Use this tool for builds, tests, git, package managers and other programs.
Nothing persists between calls except files in the workspace: environment variables, the working directory and
background processes end with the call. Do not start servers or watchers that never exit; they will be killed
at the timeout.

Each sub-command (split at &&, ||, ;, |, newlines and inside $( )) may need the user's approval.`;
