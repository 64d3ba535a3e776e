import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * Parses an IP literal in every spelling an HTTP client or libc would accept: dotted quads with decimal,
 * octal (`0177`) or hex (`0x7f`) parts, the short forms `127.1` and `0`, a single integer (`2130706433`,
 * `0x7f000001`), and IPv6 with or without brackets, embedded IPv4 and zone ids. Returns null for names.
 */
export function parseIpLiteral(host: string): Address | null {
  let text = host.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  if (text.includes(':')) {
    try {
      return ipaddr.IPv6.parse(text.split('%')[0]);
    } catch {
      return null;
    }
  }
  // ipaddr.js parses every inet_aton(3) spelling; it only lacks inet_aton's bare `0x` (zero) part.
  const parts = text
    .replace(/\.$/, '')
    .split('.')
    .map((part) => (/^0x$/i.test(part) ? '0' : part));
  try {
    return ipaddr.IPv4.parse(parts.join('.'));
  } catch {
    return null;
  }
}

const cidr = (text: string) => ipaddr.parseCIDR(text);

/** Everything that is not the public internet, or that we refuse to reason about. */
const BLOCKED_V4: [string, ReturnType<typeof cidr>][] = [
  ['unspecified', cidr('0.0.0.0/8')],
  ['private', cidr('10.0.0.0/8')],
  ['carrier-grade NAT', cidr('100.64.0.0/10')],
  ['loopback', cidr('127.0.0.0/8')],
  ['link-local', cidr('169.254.0.0/16')],
  ['private', cidr('172.16.0.0/12')],
  ['reserved', cidr('192.0.0.0/24')],
  ['documentation', cidr('192.0.2.0/24')],
  ['6to4 relay', cidr('192.88.99.0/24')],
  ['private', cidr('192.168.0.0/16')],
  ['benchmarking', cidr('198.18.0.0/15')],
  ['documentation', cidr('198.51.100.0/24')],
  ['documentation', cidr('203.0.113.0/24')],
  ['multicast', cidr('224.0.0.0/4')],
  ['reserved', cidr('240.0.0.0/4')],
];

const BLOCKED_V6: [string, ReturnType<typeof cidr>][] = [
  ['unspecified', cidr('::/128')],
  ['loopback', cidr('::1/128')],
  // No public host publishes these; a client would reach the embedded IPv4 (or nothing) through them.
  ['IPv4-mapped', cidr('::ffff:0:0/96')],
  ['IPv4-compatible', cidr('::/96')],
  ['IPv4-translated', cidr('::ffff:0:0:0/96')],
  ['local NAT64', cidr('64:ff9b:1::/48')],
  ['discard', cidr('100::/64')],
  ['Teredo', cidr('2001::/32')],
  ['ORCHID', cidr('2001:10::/28')],
  ['ORCHID', cidr('2001:20::/28')],
  ['documentation', cidr('2001:db8::/32')],
  ['documentation', cidr('3fff::/20')],
  ['unique-local', cidr('fc00::/7')],
  ['link-local', cidr('fe80::/10')],
  ['site-local', cidr('fec0::/10')],
  ['multicast', cidr('ff00::/8')],
];

const NAT64 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

/** Why an address is not public, or null when it is an ordinary public unicast address. */
export function nonPublicReason(address: Address | string): string | null {
  const ip = typeof address === 'string' ? parseIpLiteral(address) : address;
  if (!ip) return 'not an IP address';
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString())) return 'cloud metadata';
  if (ip.kind() === 'ipv4') {
    const v4 = ip as ipaddr.IPv4;
    for (const [reason, range] of BLOCKED_V4)
      if (range[0].kind() === 'ipv4' && v4.match(range as [ipaddr.IPv4, number])) return reason;
    return null;
  }
  const v6 = ip as ipaddr.IPv6;
  for (const [reason, range] of BLOCKED_V6) if (v6.match(range as [ipaddr.IPv6, number])) return reason;
  // Translation prefixes carry an IPv4 address the packet ends up at: judge that one.
  const bytes = v6.toByteArray();
  if (v6.match(NAT64 as [ipaddr.IPv6, number])) return embedded(bytes.slice(12, 16), 'NAT64');
  if (v6.match(SIX_TO_FOUR as [ipaddr.IPv6, number])) return embedded(bytes.slice(2, 6), '6to4');
  return null;
}

function embedded(bytes: number[], via: string): string | null {
  const reason = nonPublicReason(ipaddr.fromByteArray(bytes));
  return reason ? `${reason} via ${via}` : null;
}
