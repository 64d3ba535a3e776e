import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What bubblewrap 0.8 prints when the container's seccomp profile (Docker's default) refuses clone(CLONE_NEW*). */
export const USERNS_REFUSED = 'bwrap: Creating new namespace failed: Operation not permitted';

/**
 * A `bwrap` that answers `--version` like the real one and fails every sandbox the way it does inside a container
 * whose seccomp profile or missing capabilities refuse new namespaces (Docker's default, Kubernetes RuntimeDefault,
 * Ubuntu's AppArmor userns restriction). Returns its path.
 */
export function userNamespaceRefusingBwrap(dir: string): string {
  const path = join(dir, 'bwrap');
  writeFileSync(
    path,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "bubblewrap 0.8.0"; exit 0; fi\necho "${USERNS_REFUSED}" >&2\nexit 1\n`,
  );
  chmodSync(path, 0o755);
  return path;
}
