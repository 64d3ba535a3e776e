import { existsSync, lstatSync, readlinkSync } from 'node:fs';
import type { SandboxIdentity, SandboxLimits } from './sandbox.types';

export interface BwrapPlan {
  workspaceRoot: string;
  cwd: string;
  /**
   * The sandbox always has its own network namespace. With `resolvConf` it is being given the filtered
   * user-space network (sandbox-network.ts): that file becomes /etc/resolv.conf, with the other resolver files.
   */
  resolvConf?: string;
  identity: SandboxIdentity;
  /** False when the server is not root: bwrap then needs a user namespace and the command keeps our uid. */
  dropPrivileges: boolean;
  /** Hand the workspace tree to the identity first (as root, but already inside the sandbox). */
  grantWorkspace?: boolean;
  limits: SandboxLimits;
  /** Host files for the sandbox's /etc/passwd and /etc/group (generated, no real accounts in them). */
  passwdFile: string;
  groupFile: string;
  extraReadOnly: string[];
  env: Record<string, string>;
  /** What to execute inside, e.g. `['/bin/bash', '-c', command]`. */
  argv: string[];
}

/** Top-level directories that are either symlinks into /usr (merged-usr) or real library trees. */
const ROOT_LINKS = ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The smallest /etc that lets shells, git, compilers and TLS clients work; no accounts, no secrets. */
const ETC_FILES = [
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/alternatives',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/mime.types',
  // Certificates only: /etc/ssl/private must stay out.
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/inputrc',
];
const NETWORK_ETC_FILES = ['/etc/hosts', '/etc/host.conf', '/etc/gai.conf', '/etc/services', '/etc/protocols'];

/**
 * bubblewrap arguments for one command. bwrap runs as root (no user namespace: one would map the sandbox to
 * root outside, where RLIMIT_NPROC never applies), so every namespace except the user one is unshared —
 * the same set as `--unshare-all`. Inside, `prlimit` sets the caps and `setpriv` drops to the unprivileged
 * identity with no capabilities; bwrap itself sets no_new_privs, so setuid binaries cannot climb back.
 */
export function buildBwrapArgs(plan: BwrapPlan): string[] {
  const args: string[] = ['--die-with-parent', '--new-session'];
  args.push('--unshare-ipc', '--unshare-pid', '--unshare-uts', '--unshare-cgroup-try');
  if (!plan.dropPrivileges) args.push('--unshare-user');
  // Never the host's network: loopback and private ranges would be reachable, bwrap does not filter.
  args.push('--unshare-net');
  args.push('--hostname', 'sandbox');

  args.push('--ro-bind', '/usr', '/usr');
  for (const path of ROOT_LINKS) {
    if (!existsSync(path)) continue;
    const stat = lstatSync(path);
    if (stat.isSymbolicLink()) args.push('--symlink', readlinkSync(path), path);
    else if (stat.isDirectory()) args.push('--ro-bind', path, path);
  }
  // bwrap creates missing parents of a mount point as 0700 root, which the sandbox uid can't traverse.
  args.push(
    '--perms',
    '0755',
    '--dir',
    '/etc',
    '--perms',
    '0755',
    '--dir',
    '/etc/ssl',
    '--perms',
    '0755',
    '--dir',
    '/var',
  );
  for (const path of [...ETC_FILES, ...(plan.resolvConf ? NETWORK_ETC_FILES : [])])
    args.push('--ro-bind-try', path, path);
  // The host's resolver may sit on a private address the filter refuses; slirp4netns relays DNS itself.
  if (plan.resolvConf) args.push('--ro-bind', plan.resolvConf, '/etc/resolv.conf');
  args.push('--ro-bind', plan.passwdFile, '/etc/passwd', '--ro-bind', plan.groupFile, '/etc/group');

  args.push('--proc', '/proc', '--dev', '/dev');
  args.push('--perms', '1777', '--size', String(plan.limits.tmpBytes), '--tmpfs', '/tmp');
  // One tmpfs, not two: each is memory, and /var/tmp needs no separate budget.
  args.push('--symlink', '../tmp', '/var/tmp');
  // After the tmpfs: a read-only path under /tmp (a checkout there, its node_modules) would be hidden by it.
  for (const path of plan.extraReadOnly) {
    for (const parent of ancestors(path)) args.push('--perms', '0755', '--dir', parent);
    args.push('--ro-bind-try', path, path);
  }
  // Same path as on the host, so paths in the output mean the same thing to the file tools.
  for (const parent of ancestors(plan.workspaceRoot)) args.push('--perms', '0755', '--dir', parent);
  args.push('--bind', plan.workspaceRoot, plan.workspaceRoot);
  args.push('--chdir', plan.cwd);

  // bwrap's own environment is already minimal (the spawn passes only these); --clearenv makes it explicit.
  args.push('--clearenv');
  for (const [key, value] of Object.entries(plan.env)) args.push('--setenv', key, value);

  args.push('--');
  if (!plan.dropPrivileges) {
    args.push(...limitPrefix(plan.limits), ...plan.argv);
    return args;
  }
  const { uid, gid } = plan.identity;
  if (plan.grantWorkspace) args.push(...grantPrefix(plan.workspaceRoot, plan.identity));
  args.push(...limitPrefix(plan.limits));
  args.push(
    '/usr/bin/setpriv',
    `--reuid=${uid}`,
    `--regid=${gid}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--',
    ...plan.argv,
  );
  return args;
}

/**
 * Runs, still as root but already inside the sandbox, a chown of everything in the workspace not yet owned by
 * the identity (files the in-process file tools wrote), then execs the rest of the argv. Inside, only the
 * workspace is writable and nothing else of the host exists, so a symlink or a swapped folder can't steer the
 * chown outside it; -execdir and -h add the usual race safety, and multiply-linked files are left alone.
 */
export function grantPrefix(workspaceRoot: string, identity: { uid: number; gid: number }): string[] {
  const script =
    `find "$0" -xdev \\( -type d -o -type l -o -links 1 \\) \\( ! -uid ${identity.uid} -o ! -gid ${identity.gid} \\) ` +
    `-execdir chown -h ${identity.uid}:${identity.gid} {} + 2>/dev/null; exec "$@"`;
  return ['/bin/sh', '-c', script, workspaceRoot];
}

/** `/a/b/c` → `/a`, `/a/b` (the root itself and `/` excluded). */
function ancestors(path: string): string[] {
  const parts = path.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, index) => '/' + parts.slice(0, index + 1).join('/'));
}

/** `prlimit` wrapper setting the hard caps too, so the command cannot raise them back. */
export function limitPrefix(limits: SandboxLimits): string[] {
  const both = (value: number): string => `${value}:${value}`;
  return [
    '/usr/bin/prlimit',
    `--nproc=${both(limits.processes)}`,
    `--as=${both(limits.memoryBytes)}`,
    // Soft below hard: SIGXCPU first (the shell can report it), SIGKILL a second later if ignored.
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--fsize=${both(limits.fileBytes)}`,
    '--core=0:0',
    '--',
  ];
}
