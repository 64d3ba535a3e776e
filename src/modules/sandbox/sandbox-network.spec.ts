// The network a school gets with `bashNetwork`, run for real: bubblewrap, slirp4netns, nftables in the sandbox's
// own namespace, and real listeners on this machine standing in for Postgres, Redis and the API.
//
// No test here sends traffic off this machine. Probes go to 127.0.0.1 (the sandbox's own loopback: its own
// namespace), to this host's own addresses (traffic to them never leaves the host), and — only after the same shell
// has seen the filter refuse the host's own address — to private and metadata addresses, which the nftables rule in
// the sandbox's namespace rejects before the packet reaches slirp4netns (that is what "No route to host",
// ICMP admin-prohibited, at once means; a packet that got out would time out or be refused by someone else). The
// rule set itself is checked against every range in egressRuleset's unit test below.
import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SandboxRunner } from './sandbox-runner.service';
import { DENIED_V4, DENIED_V6, egressRuleset, hostAddresses } from './sandbox-network';
import { SandboxUnavailableError } from './sandbox.errors';
import type { SandboxRunInput } from './sandbox.types';
import { sandboxUsable, testSandboxRunner } from './testing/sandbox-test-runner';

const identity = { uid: 61006, gid: 61006 };
let base: string;
let workspace: string;
let runner: SandboxRunner;
let usable: boolean;
const servers: Server[] = [];
const accepted: string[] = [];

/** A listener on every interface, recording who reached it: Postgres, Redis and the API stand-ins. */
async function listen(host: string): Promise<number> {
  const server = createServer((socket: Socket) => {
    accepted.push(`${socket.localAddress}:${socket.localPort}`);
    socket.end('+PONG\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  servers.push(server);
  return (server.address() as { port: number }).port;
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'sandbox-network-'));
  workspace = join(base, 'workspace');
  mkdirSync(workspace, { recursive: true });
  chownSync(workspace, identity.uid, identity.gid);
  runner = testSandboxRunner({ stateDir: join(base, 'state'), identity });
  usable = await sandboxUsable();
});

afterAll(() => {
  for (const server of servers) server.close();
  rmSync(base, { recursive: true, force: true });
});

/** This host's own non-loopback IPv4 addresses (traffic to them never leaves the machine). */
function externalV4(): string[] {
  const all = Object.values(networkInterfaces()).flatMap((list) => list ?? []);
  return [...new Set(all.filter((entry) => entry.family === 'IPv4' && !entry.internal).map((entry) => entry.address))];
}

async function run(command: string, extra: Partial<SandboxRunInput> = {}) {
  const attempt = runner.run({ command, cwd: workspace, workspaceRoot: workspace, timeoutMs: 20_000, ...extra });
  if (usable) return attempt;
  await expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
  return null;
}

/** bash /dev/tcp connect attempts, one line each: `<target> connected` or `<target> <error>`. */
function probes(targets: string[]): string {
  return targets
    .map((target) => {
      const [host, port] = [target.slice(0, target.lastIndexOf(':')), target.slice(target.lastIndexOf(':') + 1)];
      return `r=$( (timeout 3 bash -c 'exec 3<>/dev/tcp/${host.replace(/^\[|\]$/g, '')}/${port}' && echo connected) 2>&1 | tail -1 | sed 's/.*: //'); echo "${target} $r"`;
    })
    .join('; ');
}

function parse(output: string): Record<string, string> {
  return Object.fromEntries(
    output
      .split('\n')
      .filter((line) => /^\S+ /.test(line))
      .map((line) => [line.slice(0, line.indexOf(' ')), line.slice(line.indexOf(' ') + 1)]),
  );
}

describe('egressRuleset', () => {
  it('refuses loopback, private, shared, link-local, metadata and reserved ranges, v4 and v6, and lets only DNS to slirp through', () => {
    const rules = egressRuleset({ v4: ['203.0.114.7'], v6: ['2a01:4f8::1'] });
    for (const range of [
      '127.0.0.0/8',
      '10.0.0.0/8',
      '172.16.0.0/12',
      '192.168.0.0/16',
      '169.254.0.0/16',
      '100.64.0.0/10',
      '0.0.0.0/8',
    ]) {
      expect(DENIED_V4).toContain(range);
      expect(rules).toContain(range);
    }
    for (const range of ['::/127', '::ffff:0:0/96', 'fc00::/7', 'fe80::/10']) {
      expect(DENIED_V6).toContain(range);
      expect(rules).toContain(range);
    }
    // The host's own public addresses are refused too.
    expect(rules).toContain('203.0.114.7');
    expect(rules).toContain('2a01:4f8::1');
    expect(rules).toMatch(/ip daddr 10\.0\.2\.3 udp dport 53 accept/);
    expect(rules.indexOf('dport 53 accept')).toBeLessThan(rules.indexOf('reject'));
  });

  it('adds only the host addresses that no denied range covers (nftables refuses overlapping intervals)', () => {
    const entry = (address: string, family: 'IPv4' | 'IPv6') => ({
      address,
      family,
      netmask: '',
      mac: '',
      internal: false,
      cidr: null,
    });
    const found = hostAddresses({
      lo: [entry('127.0.0.1', 'IPv4'), entry('::1', 'IPv6')],
      eth0: [
        entry('192.168.1.5', 'IPv4'),
        entry('203.0.114.7', 'IPv4'),
        entry('fe80::1%eth0', 'IPv6'),
        entry('2a01:4f8::1', 'IPv6'),
      ],
    } as never);
    expect(found).toEqual({ v4: ['203.0.114.7'], v6: ['2a01:4f8::1'] });
  });
});

describe('the sandbox network (real bwrap + slirp4netns + nftables)', () => {
  it('the server reports a filtered network for bashNetwork', async () => {
    if (!usable) return expect(await runner.status()).toMatchObject({ state: 'unavailable', network: 'none' });
    expect(await runner.status()).toMatchObject({ state: 'sandboxed', network: 'filtered', networkReason: null });
  });

  it("leaves the host's shared mounts mounted (slirp4netns's own sandbox used to unmount them as root)", async () => {
    // A shared mount with a mount below it, as /var/lib/docker under a running dockerd or anything on a systemd
    // host: slirp4netns's --enable-sandbox detached its old root through the shared peer and unmounted `inner` here.
    if (!usable || process.getuid?.() !== 0) return;
    const outer = join(base, 'shared-mount');
    const inner = join(outer, 'inner');
    const mounted = () =>
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .some((l) => l.split(' ')[4] === inner);
    mkdirSync(outer);
    execFileSync('mount', ['-t', 'tmpfs', 'oc-test', outer]);
    try {
      execFileSync('mount', ['--make-shared', outer]);
      mkdirSync(inner);
      execFileSync('mount', ['-t', 'tmpfs', 'oc-test', inner]);
      expect(mounted()).toBe(true);
      const result = await run('grep -c tap0 /proc/net/dev', { network: true });
      // The whole result on a failure: a run under load in CI once saw exit code 1 here.
      const { network, exitCode, output, note } = result!;
      expect({ network, exitCode, output: output.trim(), note }).toEqual({
        network: 'filtered',
        exitCode: 0,
        output: '1',
        note: undefined,
      });
      expect(mounted()).toBe(true);
    } finally {
      execFileSync('umount', ['-R', outer]);
    }
  });

  it('with network on: an interface and a route exist, and loopback, the host and its services are out of reach', async () => {
    const anyPort = await listen('0.0.0.0');
    const loopbackPort = await listen('127.0.0.1');
    const host = hostAddresses();
    const hostV4 = externalV4();
    const targets = [
      '127.0.0.1:5432',
      '127.0.0.1:6379',
      `127.0.0.1:${loopbackPort}`,
      `127.0.0.1:${anyPort}`,
      // slirp4netns's alias for the host's loopback, closed by --disable-host-loopback and by the filter.
      `10.0.2.2:${loopbackPort}`,
      `10.0.2.2:5432`,
      ...hostV4.map((address) => `${address}:${anyPort}`),
      ...host.v4.map((address) => `${address}:${anyPort}`),
    ];
    const result = await run(`grep -E '^tap0' /proc/net/route | head -2; cat /etc/resolv.conf; ${probes(targets)}`, {
      network: true,
    });
    if (!result) return;
    expect(result.network).toBe('filtered');
    expect(result.output).toMatch(/^tap0\s+00000000\s+0202000A/m); // default route via 10.0.2.2
    expect(result.output).toContain('nameserver 10.0.2.3');
    const outcome = parse(result.output);
    for (const target of targets)
      expect([target, outcome[target]]).toEqual([
        target,
        expect.stringMatching(/Connection refused|No route to host|Network is unreachable/),
      ]);
    // The host's own addresses are refused by the filter in the namespace (not merely unanswered).
    for (const address of hostV4) expect(outcome[`${address}:${anyPort}`]).toBe('No route to host');
    expect(accepted).toEqual([]);
  });

  it('with network on: private, shared, link-local and metadata addresses are refused inside the namespace', async () => {
    const hostV4 = externalV4()[0];
    const guard = hostV4 ?? '127.0.0.1';
    const targets = [
      '10.1.2.3:80',
      '10.0.2.5:80',
      '172.16.0.1:80',
      '172.31.255.1:443',
      '192.168.1.1:80',
      '169.254.169.254:80',
      '100.64.0.1:80',
      '0.0.0.1:80',
    ];
    // Only if the filter visibly refused the host's own address do the private probes run (see the file's header).
    const result = await run(
      `g=$( (bash -c 'exec 3<>/dev/tcp/${guard}/9' && echo connected) 2>&1 | tail -1 | sed 's/.*: //'); echo "guard $g"; if [ "$g" = "No route to host" ]; then ${probes(targets)}; fi`,
      { network: true },
    );
    if (!result) return;
    if (hostV4) expect(result.output).toContain('guard No route to host');
    const outcome = parse(result.output);
    // ICMP admin-prohibited from the namespace's own rule: TCP gives up after its first retry (~1 s each).
    for (const target of targets) expect([target, outcome[target]]).toEqual([target, 'No route to host']);
  });

  it('the command cannot lift the filter: it has no capability in its namespace', async () => {
    const port = await listen('0.0.0.0');
    const target = `${externalV4()[0] ?? '127.0.0.1'}:${port}`;
    const result = await run(`nft flush ruleset 2>&1; nft list ruleset 2>&1 | head -1; ${probes([target])}`, {
      network: true,
    });
    if (!result) return;
    expect(result.output).toMatch(/Operation not permitted/);
    expect(parse(result.output)[target]).toMatch(/No route to host|Connection refused/);
    expect(accepted).toEqual([]);
  });

  it('with network off: no interface but loopback, every connect fails', async () => {
    const port = await listen('0.0.0.0');
    const result = await run(
      `cat /proc/net/route | tail -n +2 | wc -l; ${probes(['127.0.0.1:5432', `127.0.0.1:${port}`, '10.0.2.2:5432', '192.168.1.1:80'])}`,
    );
    if (!result) return;
    expect(result.network).toBe('none');
    expect(result.output.split('\n')[0]).toBe('0');
    const outcome = parse(result.output);
    expect(outcome['192.168.1.1:80']).toBe('Network is unreachable');
    expect(outcome['10.0.2.2:5432']).toBe('Network is unreachable');
    expect(outcome[`127.0.0.1:${port}`]).toBe('Connection refused');
    expect(accepted).toEqual([]);
  });

  it('without slirp4netns/nftables, bashNetwork means no network, with a note — never the host network', async () => {
    const bare = testSandboxRunner({ stateDir: join(base, 'state-bare'), identity, networkTools: null });
    const port = await listen('127.0.0.1');
    const attempt = bare.run({
      command: probes([`127.0.0.1:${port}`, '10.0.2.2:5432']),
      cwd: workspace,
      workspaceRoot: workspace,
      network: true,
    });
    if (!usable) return expect(attempt).rejects.toBeInstanceOf(SandboxUnavailableError);
    const result = await attempt;
    expect(await bare.status()).toMatchObject({
      network: 'none',
      networkReason: expect.stringContaining('not installed'),
    });
    expect(result).toMatchObject({ network: 'none', note: expect.stringContaining('ran without network') });
    expect(parse(result.output)['10.0.2.2:5432']).toBe('Network is unreachable');
    expect(accepted).toEqual([]);
  });

  it('says so when the network stops while the command runs (slirp4netns killed mid-run)', async () => {
    if (!usable) return;
    // Ours only: slirp4netns runs under `unshare` (as root) or directly (in a user namespace), a child of this worker.
    const ours = () => {
      const pids = (parent: number) => {
        try {
          return execFileSync('pgrep', ['-P', String(parent)], { encoding: 'utf8' })
            .split('\n')
            .filter(Boolean);
        } catch {
          return [];
        }
      };
      const command = (pid: string) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return pids(process.pid)
        .flatMap((pid) => (command(pid)[0].endsWith('unshare') ? pids(Number(pid)) : [pid]))
        .filter((pid) => command(pid).some((arg) => arg.endsWith('slirp4netns')));
    };
    const pending = run('while grep -q tap0 /proc/net/dev; do sleep 0.05; done; echo gone', {
      network: true,
      timeoutMs: 15_000,
    });
    let killed = false;
    for (let i = 0; i < 200 && !killed; i++) {
      const found = ours();
      for (const pid of found) process.kill(Number(pid), 'SIGKILL');
      killed = found.length > 0;
      if (!killed) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await pending;
    expect(killed).toBe(true);
    expect(result).toMatchObject({ exitCode: 0, output: 'gone\n', timedOut: false });
    expect(result!.note).toMatch(/The sandbox's network stopped while the command ran: slirp4netns exited \(SIGKILL\)/);
  });

  it('leaves no slirp4netns behind', async () => {
    const result = await run('true', { network: true });
    if (!result) return;
    const stray = () => {
      try {
        return execFileSync('pgrep', ['-f', `slirp4netns .* tap0`], { encoding: 'utf8' })
          .trim()
          .split('\n')
          .filter(Boolean);
      } catch {
        return [];
      }
    };
    for (let i = 0; i < 20 && stray().length > 0; i++) execFileSync('sleep', ['0.05']);
    expect(stray()).toEqual([]);
  });
});
