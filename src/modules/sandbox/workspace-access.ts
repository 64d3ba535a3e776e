import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { SandboxIdentity } from './sandbox.types';

/**
 * Hands a workspace tree to the sandbox identity so commands (running unprivileged) can write in it, including
 * files the in-process file tools created as root. The runner does the same inside each sandbox before the
 * command starts (bwrap-args grantPrefix); this host-side version is for callers preparing a workspace ahead. Done with find's -execdir, which changes into each directory
 * through the descriptor it walked, so a command swapping a folder for a symlink mid-walk can't redirect a chown
 * outside the tree; -h never follows the last symlink. Files with several hard links are skipped: one of their
 * other names may be outside the workspace. Cost: one walk of the tree (milliseconds for a school project).
 */
export function grantWorkspace(root: string, identity: SandboxIdentity): Promise<void> {
  const owner = `${identity.uid}:${identity.gid}`;
  const args = [
    root,
    '-xdev',
    '(',
    '-type',
    'd',
    '-o',
    '-type',
    'l',
    '-o',
    '-links',
    '1',
    ')',
    '(',
    '!',
    '-uid',
    String(identity.uid),
    '-o',
    '!',
    '-gid',
    String(identity.gid),
    ')',
    '-execdir',
    'chown',
    '-h',
    owner,
    '{}',
    '+',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/find', args, {
      env: { PATH: '/usr/bin:/bin', LANG: 'C' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      // Files vanishing mid-walk (a build deleting its output) make find exit 1; the rest was still granted.
      code === 0 || /No such file or directory/.test(errors)
        ? resolve()
        : reject(new Error(`granting ${root} failed: ${errors.trim()}`)),
    );
  });
}

/**
 * A stable uid/gid per tenant inside [base, base + span), so RLIMIT_NPROC counts one tenant's processes
 * and a fork bomb in one school can't take the process budget of another. Collisions only share that budget.
 */
export function identityForTenant(tenantId: string, base = 200_000, span = 100_000): SandboxIdentity {
  const id = base + (createHash('sha256').update(tenantId).digest().readUInt32BE(0) % span);
  return { uid: id, gid: id };
}
