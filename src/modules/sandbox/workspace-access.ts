import { lchown, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { SandboxIdentity } from './sandbox.types';

/**
 * Gives the sandbox identity ownership of a workspace tree so commands (running unprivileged) can write in it.
 * Call it when a workspace is created or imported, and for files the in-process file tools create as root.
 * lchown: a symlink planted in the workspace must not hand a file outside it to the sandbox uid.
 */
export async function grantWorkspace(root: string, identity: SandboxIdentity): Promise<void> {
  await lchown(root, identity.uid, identity.gid);
  const entries = await readdir(root, { withFileTypes: true });
  for (const entry of entries) {
    const path = join(root, entry.name);
    if (entry.isDirectory()) await grantWorkspace(path, identity);
    else await lchown(path, identity.uid, identity.gid);
  }
}
