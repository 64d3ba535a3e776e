import net from 'node:net';
import type { Resolver } from '../../src/core/net/ssrf-guard';

// The one table of places a tenant must never make the server connect to. Every outbound caller (webfetch,
// remote MCP, MCP OAuth discovery, JWKS, provider endpoints below the platform layer) is run against all of it
// by test/e2e/security/egress-callers.e2e-spec.ts; add a row here and every caller is tested.

export interface HostileUrl {
  url: string;
  why: string;
}

/** Names the test resolver answers; none exists in real DNS. */
export const HOSTILE_DNS: Record<string, string[]> = {
  'rebind.test': ['127.0.0.1'],
  'intranet.test': ['10.0.0.7'],
  'mixed.test': ['93.184.216.34', '127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'six.test': ['::1'],
  'mapped.test': ['::ffff:127.0.0.1'],
};

/** `port` is a loopback port the test watches, so a guard that failed would show up as a connection. */
export function hostileUrls(port: number): HostileUrl[] {
  const at = (host: string, why: string, path = '/') => ({ url: `http://${host}:${port}${path}`, why });
  return [
    at('127.0.0.1', 'loopback'),
    at('127.9.9.9', 'loopback /8'),
    at('localhost', 'localhost'),
    at('LOCALHOST.', 'localhost, upper case with a trailing dot'),
    at('api.localhost', 'a .localhost name'),
    at('0.0.0.0', 'unspecified'),
    at('0', 'unspecified, one number'),
    at('[::]', 'IPv6 unspecified'),
    at('[::1]', 'IPv6 loopback'),
    at('2130706433', 'decimal loopback'),
    at('0x7f000001', 'hex loopback'),
    at('017700000001', 'octal loopback'),
    at('0177.0.0.1', 'octal dotted loopback'),
    at('0x7f.1', 'hex short loopback'),
    at('127.1', 'short loopback'),
    at('%31%32%37.0.0.1', 'percent-encoded loopback'),
    at('[::ffff:127.0.0.1]', 'IPv4-mapped loopback'),
    at('[::ffff:7f00:1]', 'IPv4-mapped loopback, hex'),
    at('[0:0:0:0:0:ffff:7f00:1]', 'IPv4-mapped loopback, long form'),
    at('[::127.0.0.1]', 'IPv4-compatible loopback'),
    at('[64:ff9b::7f00:1]', 'NAT64 loopback'),
    at('rebind.test', 'a name resolving to loopback'),
    at('mixed.test', 'a name resolving to a public and a loopback address'),
    at('six.test', 'a name resolving to ::1'),
    at('mapped.test', 'a name resolving to ::ffff:127.0.0.1'),
    { url: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', why: 'AWS/GCP/Azure metadata' },
    { url: 'http://[fd00:ec2::254]/latest/meta-data/', why: 'AWS IPv6 metadata' },
    { url: 'http://100.100.100.200/latest/meta-data/', why: 'Alibaba metadata' },
    { url: 'http://metadata.test/computeMetadata/v1/', why: 'a name resolving to the metadata address' },
    { url: 'http://169.254.1.1/', why: 'link-local' },
    { url: 'http://[fe80::1]/', why: 'IPv6 link-local' },
    { url: 'http://10.0.0.5/', why: 'private 10/8' },
    { url: 'http://172.16.0.1/', why: 'private 172.16/12' },
    { url: 'http://192.168.1.1/', why: 'private 192.168/16' },
    { url: 'http://100.64.0.1/', why: 'carrier-grade NAT' },
    { url: 'http://[fc00::1]/', why: 'IPv6 unique-local' },
    { url: 'http://intranet.test/', why: 'a name resolving to a private address' },
    { url: 'file:///etc/passwd', why: 'file scheme' },
    { url: 'ftp://example.com/', why: 'ftp scheme' },
  ];
}

/** Resolves HOSTILE_DNS and the given allowed names; anything else does not exist. */
export function hostileResolver(allowed: Record<string, string[]> = {}): Resolver {
  return async (name) => {
    const addresses = allowed[name] ?? HOSTILE_DNS[name];
    if (!addresses) throw new Error(`ENOTFOUND ${name}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/**
 * Refuses (and records) every socket connect except to `ports`: a guard that failed would be caught here,
 * before a single packet leaves for a non-loopback address. Returns the recorded attempts and a restore.
 */
export function connectTripwire(ports: () => number[]): { attempts: string[]; restore: () => void } {
  const attempts: string[] = [];
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = (typeof first === 'object' && first ? first : { port: first, host: args[1] }) as {
      port?: unknown;
      host?: unknown;
    };
    // Only Unix sockets come without a port (http's own options carry the request `path`, so that says nothing).
    if (options.port !== undefined && options.port !== null && !ports().includes(Number(options.port))) {
      attempts.push(`${String(options.host)}:${String(options.port)}`);
      throw new Error(`tripwire: connection to ${String(options.host)}:${String(options.port)} refused by the test`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return { attempts, restore: () => void (net.Socket.prototype.connect = original) };
}
