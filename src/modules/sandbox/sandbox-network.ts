// The network a school gets when it turns on `bashNetwork`: the sandbox keeps its own network namespace, a
// user-space stack (slirp4netns) connects it to the outside through ordinary sockets of the host, and an nftables
// filter inside the namespace — installed as root before the command starts, unchangeable by the command, which has
// no capabilities — refuses loopback, private, shared, link-local, metadata, multicast and reserved destinations
// and every address of the host itself. slirp4netns runs with --disable-host-loopback, so its gateway alias for the
// host's 127.0.0.1 is closed too. Only DNS to slirp's own resolver address passes to a private address.
//
// Why not pasta: Debian 12's passt (2023-03-09) drops to `nobody` before it opens the target namespace, so it
// cannot attach to a namespace that bwrap created as root.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import ipaddr from 'ipaddr.js';

/** slirp4netns's fixed layout (its default --cidr): the sandbox is 10.0.2.100, DNS goes to 10.0.2.3. */
export const SANDBOX_DNS = '10.0.2.3';
export const SANDBOX_ADDRESS = '10.0.2.100';
const SETUP_TIMEOUT_MS = 5000;

/** Destinations refused from inside the sandbox. */
export const DENIED_V4 = [
  '0.0.0.0/8', // "this network"
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '127.0.0.0/8',
  '169.254.0.0/16', // link-local, cloud metadata (169.254.169.254)
  '172.16.0.0/12',
  '192.0.0.0/24', // IETF protocol assignments
  '192.0.2.0/24', // TEST-NET-1
  '192.168.0.0/16',
  '198.18.0.0/15', // benchmarking
  '198.51.100.0/24', // TEST-NET-2
  '203.0.113.0/24', // TEST-NET-3
  '224.0.0.0/3', // multicast, reserved, broadcast
];
export const DENIED_V6 = [
  '::/127', // unspecified, loopback
  '::ffff:0:0/96', // IPv4-mapped
  '64:ff9b::/96', // NAT64 (could wrap a private IPv4)
  '2001:db8::/32',
  'fc00::/7', // unique local (fd00:ec2::254 is a metadata address)
  'fe80::/10',
  'ff00::/8',
];

export interface NetworkTools {
  slirp4netns: string;
  nft: string;
  nsenter: string;
  unshare: string;
}

/** The host tools the filtered network needs, or null when any is missing (then `bashNetwork` = no network). */
export function findNetworkTools(path: string): NetworkTools | null {
  const find = (name: string) => {
    for (const dir of path.split(delimiter).filter((d) => isAbsolute(d))) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        /* not here */
      }
    }
    return null;
  };
  const slirp4netns = find('slirp4netns');
  const nft = find('nft');
  const nsenter = find('nsenter');
  const unshare = find('unshare');
  return slirp4netns && nft && nsenter && unshare ? { slirp4netns, nft, nsenter, unshare } : null;
}

/**
 * Every address of the host's interfaces that no denied range covers yet (e.g. a public one): the filter refuses
 * those too, so a service listening on all interfaces is not reachable through the host's own public address.
 * (nftables refuses overlapping intervals in one set, hence the containment check.)
 */
export function hostAddresses(interfaces = networkInterfaces()): { v4: string[]; v6: string[] } {
  const covered = (address: string, ranges: string[]) => {
    const parsed = ipaddr.parse(address);
    return ranges.some((range) => {
      const [net, bits] = ipaddr.parseCIDR(range);
      return net.kind() === parsed.kind() && parsed.match(net, bits);
    });
  };
  const v4 = new Set<string>();
  const v6 = new Set<string>();
  for (const list of Object.values(interfaces)) {
    for (const entry of list ?? []) {
      const address = entry.address.split('%')[0];
      if (!ipaddr.isValid(address)) continue;
      if (entry.family === 'IPv4' && !covered(address, DENIED_V4)) v4.add(address);
      if (entry.family === 'IPv6' && !covered(address, DENIED_V6)) v6.add(address);
    }
  }
  return { v4: [...v4], v6: [...v6] };
}

/** The nftables ruleset loaded into the sandbox's namespace: DNS to slirp's resolver, then the refusals. */
export function egressRuleset(host: { v4: string[]; v6: string[] } = hostAddresses()): string {
  const v4 = [...DENIED_V4, ...host.v4];
  const v6 = [...DENIED_V6, ...host.v6];
  return [
    'table inet sandbox_egress {',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    // Inside the namespace "lo" is the sandbox's own loopback, not the host's.
    '    oif "lo" accept',
    `    ip daddr ${SANDBOX_DNS} udp dport 53 accept`,
    `    ip daddr ${SANDBOX_DNS} tcp dport 53 accept`,
    `    ip daddr { ${v4.join(', ')} } reject with icmp type admin-prohibited`,
    `    ip6 daddr { ${v6.join(', ')} } reject with icmpv6 type admin-prohibited`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A running user-space stack for one sandbox; stop() ends it (it also ends by itself when we die). */
export interface AttachedNetwork {
  stop(): void;
  /** Why the stack ended before stop() was called (the command then lost its network), or null while it runs. */
  lost(): string | null;
}

/**
 * Connects the namespace of `pid` (bwrap's sandbox init, blocked until we let it go) to slirp4netns and loads the
 * egress filter into it. Rejects — and leaves nothing running — when either step fails.
 */
export async function attachNetwork(
  pid: number,
  tools: NetworkTools,
  options: { userns?: boolean } = {},
): Promise<AttachedNetwork> {
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
  const args = [
    '--configure',
    '--mtu=65520',
    '--disable-host-loopback',
    '--enable-sandbox',
    '--enable-seccomp',
    '--ready-fd=3',
    '--exit-fd=4',
  ];
  if (options.userns) args.push(`--userns-path=/proc/${pid}/ns/user`);
  // The exit fd is ours: when this process dies, slirp4netns sees it close and quits.
  // As root, slirp4netns's --enable-sandbox makes only `/` private in its new mount namespace before it detaches its
  // old root, and that detach propagates through every shared mount below `/` to the host's own: it unmounted the
  // host's mounts (a running container's root under a shared /var/lib/docker; any mount on a systemd host, where
  // `/` is shared). Started through `unshare --mount --propagation private`, every mount it sees is private first.
  // In a user namespace (not root) its mounts are the sandbox's, turned into slaves by the kernel, and unshare
  // could not make a mount namespace anyway.
  const [command, argv] = options.userns
    ? [tools.slirp4netns, [...args, String(pid), 'tap0']]
    : [tools.unshare, ['--mount', '--propagation', 'private', '--', tools.slirp4netns, ...args, String(pid), 'tap0']];
  const slirp = spawn(command, argv, {
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  (slirp.stdio[2] as Readable).on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
  let stopped = false;
  let lost: string | null = null;
  slirp.once('exit', (code, signal) => {
    if (!stopped) lost = `slirp4netns exited (${signal ?? code}): ${stderr.trim()}`;
  });
  const stop = () => {
    stopped = true;
    (slirp.stdio[4] as Writable).destroy();
    if (slirp.exitCode === null && slirp.signalCode === null) slirp.kill('SIGKILL');
  };
  try {
    await ready(slirp, () => stderr);
    const nsArgs = [
      ...(options.userns ? [`--user=/proc/${pid}/ns/user`, '--preserve-credentials'] : []),
      `--net=/proc/${pid}/ns/net`,
    ];
    await runWithInput(tools.nsenter, [...nsArgs, tools.nft, '-f', '-'], egressRuleset(), env);
    return { stop, lost: () => lost };
  } catch (error) {
    stop();
    throw error;
  }
}

function ready(slirp: ChildProcess, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`slirp4netns was not ready in ${SETUP_TIMEOUT_MS} ms`)),
      SETUP_TIMEOUT_MS,
    );
    (slirp.stdio[3] as Readable).once('data', () => {
      clearTimeout(timer);
      resolve();
    });
    slirp.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    slirp.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`slirp4netns exited (${code}): ${stderr().trim()}`));
    });
  });
}

function runWithInput(file: string, args: string[], input: string, env: Record<string, string>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${file} ${args.join(' ')} failed (${code}): ${stderr.trim()}`)),
    );
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(input);
  });
}
