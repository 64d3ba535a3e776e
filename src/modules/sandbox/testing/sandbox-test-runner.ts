import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath } from '../../../core/config/app-config';
import { SandboxRunner } from '../sandbox-runner.service';
import type { SandboxRunnerOptions } from '../sandbox.types';

/**
 * bubblewrap as the specs should see it: `SANDBOX_BWRAP` when set (e.g. `/nonexistent` to run every sandbox spec
 * as on a machine without bubblewrap), else the first `bwrap` on PATH, else none — the same rule as the server's.
 */
export function testBwrapPath(): string | null {
  const configured = process.env.SANDBOX_BWRAP;
  return configured !== undefined && configured !== '' ? configured : findOnPath('bwrap', process.env.PATH);
}

/** A runner in the default mode (required) with the bwrap the specs should see. */
export function testSandboxRunner(options: SandboxRunnerOptions): SandboxRunner {
  return new SandboxRunner({ bwrapPath: testBwrapPath(), ...options });
}

/** Whether the specs run with a usable bubblewrap (else they assert the typed refusal instead). */
export async function sandboxUsable(): Promise<boolean> {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-usable-'));
  try {
    return (await testSandboxRunner({ stateDir: dir }).check()).available;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
