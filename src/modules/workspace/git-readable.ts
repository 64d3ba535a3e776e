import { runHostTool } from '../../core/process/host-tool';
import { readHostText } from './host-file';

/** Largest `.gitignore` / `.gitattributes` / exclude file git is let read. */
export const MAX_GIT_PATTERN_BYTES = 64 * 1024;
const MAX_GIT_PATTERN_FILES = 1000;
const MAX_GLOBSTARS = 3;
const FIND = '/usr/bin/find';

export interface GitReadProblem {
  /** Workspace-relative path of the first file git must not be let open. */
  file: string;
  reason: string;
}

/** git's wildmatch backtracks exponentially in `**`: one line of eight kept git busy past 20 s on a deep path. */
export function tooManyGlobstars(line: string): boolean {
  return (line.match(/\*\*/g)?.length ?? 0) > MAX_GLOBSTARS;
}

/**
 * What a host git would trip over in a student's workspace, found with lstat only (`find`, under host-tool's hard
 * timeout) before git itself runs. git opens `.gitignore`, `.gitattributes` and the files of `.git` with a
 * blocking open(): one FIFO by such a name holds git (and the request waiting on it) until something kills it, and
 * a device would be read without end. So: pattern files must be regular, small and sane; with `gitDir`, everything
 * inside the workspace's own `.git` must be a regular file or a folder (no FIFO, socket, device, or link that git
 * would follow out of the workspace). Returns the first problem, or undefined when git may run.
 */
export async function findGitReadProblem(
  root: string,
  options: { timeoutMs: number; gitDir?: boolean },
): Promise<GitReadProblem | undefined> {
  const env = { PATH: '/usr/bin:/bin', LC_ALL: 'C' };
  if (options.gitDir) {
    // `-P` (the default) never follows links, the starting point included.
    const special = await runHostTool(
      FIND,
      ['.git', '-xdev', '!', '-type', 'f', '!', '-type', 'd', '-printf', '%y %p\\0', '-quit'],
      {
        cwd: root,
        env,
        timeoutMs: options.timeoutMs,
        okCodes: [1],
      },
    );
    const entry = splitNul(special.stdout)[0];
    if (entry) return { file: entry.slice(2), reason: `not a regular file (find type ${entry[0]})` };
  }
  const args = ['.', '-xdev', '(', '-name', '.gitignore', '-o', '-name', '.gitattributes', ')'];
  // In-tree links are left out: git itself refuses to follow a symlinked .gitignore/.gitattributes.
  args.push('!', '-type', 'd', '!', '-type', 'l', '-printf', '%y %p\\0');
  // Exit 1 is a vanished or unreadable folder mid-walk; what was printed still counts.
  const found = await runHostTool(FIND, args, { cwd: root, env, timeoutMs: options.timeoutMs, okCodes: [1] });
  const entries = splitNul(found.stdout);
  if (entries.length > MAX_GIT_PATTERN_FILES)
    return { file: '.', reason: `more than ${MAX_GIT_PATTERN_FILES} .gitignore/.gitattributes files` };
  for (const entry of entries) {
    const [type, file] = [entry.slice(0, 1), entry.slice(2).replace(/^\.\//, '')];
    if (type !== 'f') return { file, reason: 'not a regular file' };
    const text = await readHostText(root, file, { maxBytes: MAX_GIT_PATTERN_BYTES });
    if (text === undefined) return { file, reason: `unreadable or over ${MAX_GIT_PATTERN_BYTES} bytes` };
    if (text.split('\n').some(tooManyGlobstars))
      return { file, reason: `a pattern with more than ${MAX_GLOBSTARS} "**"` };
  }
  return undefined;
}

function splitNul(buffer: Buffer): string[] {
  return buffer.toString('utf8').split('\0').filter(Boolean);
}
