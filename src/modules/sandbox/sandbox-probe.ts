import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildBwrapArgs } from './bwrap-args';
import { commandEnv } from './sandbox-confine';
import type { NetworkTools } from './sandbox-network';
import { capture, collect, type SandboxedProcess } from './sandbox-process';
import type { SandboxCheck, SandboxIdentity, SandboxLimits } from './sandbox.types';

const NO_NETWORK = { network: 'none', networkReason: 'no sandbox' } as const;

/** What the startup probe needs from its runner. */
export interface ProbeDeps {
  bwrapPath: string | null;
  stateDir: string;
  identity: SandboxIdentity;
  limits: SandboxLimits;
  networkTools: NetworkTools | null;
  accountFiles(identity: SandboxIdentity): { passwdFile: string; groupFile: string };
  resolvConf(): string;
  spawnBwrap(args: string[], network?: { userns: boolean }): SandboxedProcess;
}

/** Startup probe: bwrap present, namespaces creatable, a command actually runs inside (and the seccomp filter loads). */
export async function probeSandbox(deps: ProbeDeps): Promise<SandboxCheck> {
  const dropsPrivileges = process.getuid?.() === 0;
  const bwrap = deps.bwrapPath;
  if (bwrap === null)
    return {
      available: false,
      version: null,
      reason: 'bubblewrap (bwrap) is not installed: none on PATH',
      dropsPrivileges,
      ...NO_NETWORK,
    };
  const version = await capture(bwrap, ['--version']).catch(() => null);
  if (version === null || version.code !== 0) {
    return {
      available: false,
      version: null,
      reason: `${bwrap} not found or not executable`,
      dropsPrivileges,
      ...NO_NETWORK,
    };
  }
  const versionText = version.output.trim().replace(/^bubblewrap\s+/, '');
  const root = join(deps.stateDir, 'probe');
  mkdirSync(root, { recursive: true });
  const trialArgs = (command: string, resolvConf?: string) =>
    buildBwrapArgs({
      workspaceRoot: root,
      cwd: root,
      resolvConf,
      identity: deps.identity,
      dropPrivileges: dropsPrivileges,
      limits: deps.limits,
      ...deps.accountFiles(deps.identity),
      extraReadOnly: [],
      env: commandEnv(),
      argv: ['/bin/sh', '-c', command],
    });
  // Through spawnBwrap, so the probe also proves the seccomp filter loads on this kernel.
  const trial = await collect(deps.spawnBwrap(trialArgs('id -u')).process).catch((error: Error) => ({
    code: -1,
    output: error.message,
  }));
  if (trial.code !== 0) {
    // Typical causes: user namespaces disabled (kernel.unprivileged_userns_clone=0, AppArmor's
    // restrict_unprivileged_userns) or a container without CAP_SYS_ADMIN / seccomp blocking clone(CLONE_NEW*).
    const reason = `bwrap failed to start a sandbox: ${trial.output.trim()}`;
    return { available: false, version: versionText, reason, dropsPrivileges, ...NO_NETWORK };
  }
  return {
    available: true,
    version: versionText,
    reason: null,
    dropsPrivileges,
    ...(await probeNetwork(deps, trialArgs, dropsPrivileges)),
  };
}

/** Whether a sandbox here gets the filtered network: tools present, and a trial sandbox sees slirp's interface. */
async function probeNetwork(
  deps: ProbeDeps,
  trialArgs: (command: string, resolvConf?: string) => string[],
  dropsPrivileges: boolean,
): Promise<Pick<SandboxCheck, 'network' | 'networkReason'>> {
  if (!deps.networkTools)
    return { network: 'none', networkReason: 'slirp4netns, nft, nsenter or unshare is not installed' };
  const spawned = deps.spawnBwrap(trialArgs('cat /proc/net/route', deps.resolvConf()), { userns: !dropsPrivileges });
  const [trial, failure] = await Promise.all([
    collect(spawned.process).catch((error: Error) => ({ code: -1, output: error.message })),
    spawned.setup,
  ]);
  if (trial.code === 0 && /^tap0\s+00000000/m.test(trial.output)) return { network: 'filtered', networkReason: null };
  return {
    network: 'none',
    networkReason: failure ?? `no route through slirp4netns in a trial sandbox: ${trial.output.trim().slice(0, 300)}`,
  };
}
