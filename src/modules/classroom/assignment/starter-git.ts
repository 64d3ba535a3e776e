import path from 'node:path';
import { runGit } from '../../snapshot/git-process';

// Same overrides as the vcs routes: the workspace's .git/config is the student's and must name nothing that runs.
const HARDENING = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'commit.gpgSign=false',
  'user.name=Classroom',
  'user.email=classroom@localhost',
].flatMap((kv) => ['-c', kv]);

function git(root: string, args: string[]) {
  return runGit([...HARDENING, ...args], {
    binary: '/usr/bin/git',
    cwd: root,
    timeoutMs: 60_000,
    env: {
      PATH: '/usr/bin:/bin',
      HOME: root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CEILING_DIRECTORIES: path.dirname(root),
      LC_ALL: 'C',
    },
  });
}

/** Makes the seeded files the workspace's first commit, so the student's diffs and reverts start from them. */
export async function commitStarter(root: string, title: string): Promise<string> {
  await git(root, ['init', '-q', '-b', 'main']);
  await git(root, ['add', '-A', '--', '.']);
  await git(root, ['commit', '-q', '--allow-empty', '--no-verify', '-m', `Starter files: ${title}`]);
  return (await git(root, ['rev-parse', 'HEAD'])).stdout.toString('utf8').trim();
}
