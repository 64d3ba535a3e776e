import { lookup } from 'node:dns/promises';
import { nonPublicReason, parseIpLiteral } from './ip-address';
import { UnsafeUrlError } from './net.errors';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** DNS resolution, injectable so tests (and a caching resolver) can stand in for the system's. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface UrlGuardOptions {
  /** Skip the address checks entirely (trusted development setups only). */
  allowPrivate?: boolean;
  resolver?: Resolver;
  /** Host names an administrator vouches for (e.g. an internal docs server); checked by exact name. */
  trustedHosts?: string[];
}

export interface CheckedUrl {
  url: URL;
  /** The addresses the connection must use: pinning them is what stops DNS rebinding. */
  addresses: ResolvedAddress[];
}

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
    throw new UnsafeUrlError(`Only http and https URLs can be fetched, not ${url.protocol}`, url.href);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const name = host.toLowerCase().replace(/\.+$/, '');
  const literal = parseIpLiteral(host);
  if (literal) {
    const address = literal.toString();
    const reason = options.allowPrivate ? null : nonPublicReason(literal);
    if (reason) throw new UnsafeUrlError(`Refusing to fetch ${url.href}: ${address} is a ${reason} address`, url.href);
    return { url, addresses: [{ address, family: literal.kind() === 'ipv6' ? 6 : 4 }] };
  }
  const trusted = options.allowPrivate || (options.trustedHosts ?? []).some((trustedHost) => trustedHost.toLowerCase() === name);
  if (!trusted && (name === 'localhost' || name.endsWith('.localhost') || name === 'localhost.localdomain')) {
    throw new UnsafeUrlError(`Refusing to fetch ${url.href}: ${name} is the local machine`, url.href);
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
    const reason = trusted ? null : nonPublicReason(ip);
    if (reason) throw new UnsafeUrlError(`Refusing to fetch ${url.href}: ${name} resolves to ${entry.address}, a ${reason} address`, url.href);
    checked.push({ address: ip.toString(), family: ip.kind() === 'ipv6' ? 6 : 4 });
  }
  return { url, addresses: checked };
}
