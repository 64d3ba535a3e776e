import ipaddr from 'ipaddr.js';
import { parseIpLiteral } from './ip-address';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

type AllowEntry =
  { kind: 'name'; name: string; port?: number } | { kind: 'range'; range: [Address, number]; port?: number };

/** What a connection would reach: the URL's host name and port, and (once resolved) the address. */
export interface EgressTarget {
  hostname: string;
  port: number;
  address?: string;
}

const HOST_NAME = /^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

function parsePort(text: string | undefined, entry: string): number | undefined {
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) throw new Error(`egress allow-list entry "${entry}": bad port`);
  return port;
}

function single(address: Address): [Address, number] {
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

/**
 * One platform allow-list entry: an address (`10.0.0.5`, `[fd00::1]`), a range (`10.0.0.0/8`, `fd00::/8`) or a
 * host name (`llm.internal`), optionally with a port (`127.0.0.1:11434`, `[::1]:8080`, `llm.internal:8000`).
 * Addresses must be written plainly (ipaddr.js's strict forms): the platform's own file is no place for `0x7f.1`.
 */
function parseEntry(text: string): AllowEntry {
  const entry = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    if (!ipaddr.IPv6.isValid(bracketed[1])) throw new Error(`egress allow-list entry "${entry}": not an IPv6 address`);
    return { kind: 'range', range: single(ipaddr.IPv6.parse(bracketed[1])), port: parsePort(bracketed[2], entry) };
  }
  if (entry.includes('/')) {
    try {
      return { kind: 'range', range: ipaddr.parseCIDR(entry) };
    } catch {
      throw new Error(`egress allow-list entry "${entry}": not an address range`);
    }
  }
  if (entry.split(':').length > 2) {
    if (!ipaddr.IPv6.isValid(entry)) throw new Error(`egress allow-list entry "${entry}": not an IPv6 address`);
    return { kind: 'range', range: single(ipaddr.IPv6.parse(entry)) };
  }
  const [host, portText] = entry.split(':');
  const port = parsePort(portText, entry);
  if (ipaddr.IPv4.isValidFourPartDecimal(host)) return { kind: 'range', range: single(ipaddr.IPv4.parse(host)), port };
  const name = normaliseName(host);
  if (!HOST_NAME.test(name) || parseIpLiteral(name))
    throw new Error(`egress allow-list entry "${entry}": not a host name or address`);
  return { kind: 'name', name, port };
}

/**
 * The platform's exceptions to the egress guard (EGRESS_ALLOW): the private, loopback or link-local places a
 * tenant's outbound traffic may still reach, such as a school's self-hosted model on the campus network.
 */
export class EgressAllowList {
  private readonly entries: AllowEntry[];

  constructor(entries: readonly string[] = []) {
    this.entries = entries.filter((e) => e.trim()).map(parseEntry);
  }

  static parse(raw: string | undefined): EgressAllowList {
    return new EgressAllowList((raw ?? '').split(','));
  }

  get size(): number {
    return this.entries.length;
  }

  /** The host name is vouched for (its addresses are then not checked). */
  allowsName(target: EgressTarget): boolean {
    const name = normaliseName(target.hostname);
    return this.entries.some(
      (e) => e.kind === 'name' && e.name === name && (e.port === undefined || e.port === target.port),
    );
  }

  /** The resolved address (IPv4-mapped IPv6 judged as its IPv4 address) is inside an allowed range. */
  allowsAddress(target: EgressTarget): boolean {
    if (!target.address || !ipaddr.isValid(target.address)) return false;
    const address = ipaddr.process(target.address);
    return this.entries.some(
      (e) =>
        e.kind === 'range' &&
        e.range[0].kind() === address.kind() &&
        address.match(e.range) &&
        (e.port === undefined || e.port === target.port),
    );
  }
}
