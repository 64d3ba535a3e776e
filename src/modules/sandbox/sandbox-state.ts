import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SANDBOX_DNS } from './sandbox-network';
import type { SandboxIdentity } from './sandbox.types';

/** The files the runner keeps in its state directory: resolv.conf, account files and spilled outputs. */

/** The sandbox's /etc/resolv.conf: slirp4netns's DNS relay, the only private address the filter lets through. */
export function resolvConfFile(stateDir: string): string {
  const path = join(stateDir, 'etc', 'resolv.conf');
  if (!existsSync(path)) {
    mkdirSync(join(stateDir, 'etc'), { recursive: true, mode: 0o755 });
    writeFileSync(path, `nameserver ${SANDBOX_DNS}\n`, { mode: 0o644 });
  }
  return path;
}

/** Deletes spilled outputs older than `maxAgeMs`; answers how many went. */
export async function pruneOutputFiles(stateDir: string, maxAgeMs: number): Promise<number> {
  const dir = join(stateDir, 'output');
  const cutoff = Date.now() - maxAgeMs;
  let removed = 0;
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const stat = await lstat(path).catch(() => null);
    if (stat?.isFile() && stat.mtimeMs < cutoff) {
      await rm(path, { force: true });
      removed++;
    }
  }
  return removed;
}

/** Generated /etc/passwd and /etc/group naming only root, the sandbox user and nobody. */
export function accountFiles(stateDir: string, identity: SandboxIdentity): { passwdFile: string; groupFile: string } {
  const dir = join(stateDir, 'etc', `${identity.uid}-${identity.gid}`);
  const passwdFile = join(dir, 'passwd');
  const groupFile = join(dir, 'group');
  if (!existsSync(groupFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    writeFileSync(
      passwdFile,
      `root:x:0:0:root:/root:/usr/sbin/nologin\nsandbox:x:${identity.uid}:${identity.gid}:sandbox:/tmp:/bin/bash\n` +
        'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      { mode: 0o644 },
    );
    writeFileSync(groupFile, `root:x:0:\nsandbox:x:${identity.gid}:\nnogroup:x:65534:\n`, { mode: 0o644 });
  }
  return { passwdFile, groupFile };
}
