import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USERNS_REFUSED, userNamespaceRefusingBwrap } from '../../../test/fakes/sandbox/userns-refused-bwrap';
import { SandboxRunner } from './sandbox-runner.service';
import { SandboxUnavailableError } from './sandbox.errors';

// The container path: bubblewrap is installed but the container refuses new namespaces (Docker's default seccomp
// profile, no CAP_SYS_ADMIN). The server must say so (/ready, boot log) and refuse every command with the 503.

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-userns-'));
  mkdirSync(join(base, 'ws'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

it('bwrap present but namespaces refused: unavailable with bwrap’s own words, every command path a 503', async () => {
  const runner = new SandboxRunner({ stateDir: join(base, 'state'), bwrapPath: userNamespaceRefusingBwrap(base) });
  expect(await runner.status()).toMatchObject({
    mode: 'required',
    state: 'unavailable',
    version: '0.8.0',
    reason: expect.stringContaining(USERNS_REFUSED),
    fix: expect.stringMatching(/allows user namespaces/),
  });
  const canary = join(base, 'ws', 'ran');
  const workspace = join(base, 'ws');
  const run = runner.run({ command: `touch ${canary}`, cwd: workspace, workspaceRoot: workspace });
  await expect(run).rejects.toBeInstanceOf(SandboxUnavailableError);
  await expect(run).rejects.toMatchObject({ status: 503, code: 'sandbox_unavailable' });
  await expect(runner.spawnProcess({ argv: ['/usr/bin/touch', canary], workspaceRoot: workspace })).rejects.toThrow(
    SandboxUnavailableError,
  );
  await expect(runner.assertRunnable()).rejects.toThrow(/Creating new namespace failed/);
  expect(existsSync(canary)).toBe(false);
});
