import { lookup } from 'node:dns/promises';
import { EgressAllowList } from './egress-allow-list';
import { nonPublicReason, parseIpLiteral } from './ip-address';
import { UnsafeUrlError } from './net.errors';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** DNS resolution, injectable so tests (and a caching resolver) can stand in for the system's. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  resolver?: Resolver;
  /** The platform's exceptions (EGRESS_ALLOW): names, addresses and ranges, optionally with a port. */
  allow?: EgressAllowList;
}

export interface CheckedUrl {
  url: URL;
  /** The addresses the connection must use: pinning them is what stops DNS rebinding. */
  addresses: ResolvedAddress[];
}

const NO_EXCEPTIONS = new EgressAllowList();

export const systemResolver: Resolver = async (hostname) => {
  const results = await lookup(hostname, { all: true, verbatim: true });
  return results.map((result) => ({ address: result.address, family: result.family === 6 ? 6 : 4 }));
};

/**
 * Refuses URLs that reach loopback, private, link-local, CGNAT, multicast, metadata or other non-public
 * addresses, whatever the spelling (the WHATWG parser canonicalises `2130706433`, `0x7f.1`, `127.1`; the
 * literal parser below catches what it leaves alone). Names are resolved and every address must be public.
 */
export async function assertPublicUrl(input: string | URL, options: UrlGuardOptions = {}): Promise<CheckedUrl> {
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw new UnsafeUrlError('Invalid URL', String(input));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UnsafeUrlError(`Only http and https URLs are allowed, not ${url.protocol}`, url.href);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const name = host.toLowerCase().replace(/\.+$/, '');
  const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
  const allow = options.allow ?? NO_EXCEPTIONS;
  const literal = parseIpLiteral(host);
  if (literal) {
    const address = literal.toString();
    const reason = allow.allowsAddress({ hostname: name, port, address }) ? null : nonPublicReason(literal);
    if (reason)
      throw new UnsafeUrlError(`Refusing to connect to ${url.href}: ${address} is a ${reason} address`, url.href);
    return { url, addresses: [{ address, family: literal.kind() === 'ipv6' ? 6 : 4 }] };
  }
  const trusted = allow.allowsName({ hostname: name, port });
  if (!trusted && (name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain')) {
    throw new UnsafeUrlError(`Refusing to connect to ${url.href}: ${name} is the local machine`, url.href);
  }

  let addresses: ResolvedAddress[];
  try {
    addresses = await (options.resolver ?? systemResolver)(name);
  } catch (error) {
    throw new UnsafeUrlError(`Could not resolve ${name}: ${(error as Error).message}`, url.href);
  }
  if (addresses.length === 0) throw new UnsafeUrlError(`Could not resolve ${name}`, url.href);
  // The resolver's answer is checked with the same parser, so a resolver returning odd spellings can't slip by.
  const checked: ResolvedAddress[] = [];
  for (const entry of addresses) {
    const ip = parseIpLiteral(entry.address);
    if (!ip) throw new UnsafeUrlError(`Resolver returned an invalid address for ${name}`, url.href);
    const address = ip.toString();
    const reason = trusted || allow.allowsAddress({ hostname: name, port, address }) ? null : nonPublicReason(ip);
    if (reason)
      throw new UnsafeUrlError(
        `Refusing to connect to ${url.href}: ${name} resolves to ${entry.address}, a ${reason} address`,
        url.href,
      );
    checked.push({ address, family: ip.kind() === 'ipv6' ? 6 : 4 });
  }
  return { url, addresses: checked };
}
