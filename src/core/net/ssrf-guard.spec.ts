import fc from 'fast-check';
import { EgressAllowList } from './egress-allow-list';
import { nonPublicReason, parseIpLiteral } from './ip-address';
import { UnsafeUrlError } from './net.errors';
import { assertPublicUrl, type Resolver } from './ssrf-guard';

const staticResolver =
  (table: Record<string, string[]>): Resolver =>
  async (name) => {
    const addresses = table[name];
    if (!addresses) throw new Error(`ENOTFOUND ${name}`);
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };

describe('parseIpLiteral', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['0x7f000001', '127.0.0.1'],
    ['017700000001', '127.0.0.1'],
    ['0177.0.0.1', '127.0.0.1'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['127.0.1', '127.0.0.1'],
    ['0', '0.0.0.0'],
    ['0x', '0.0.0.0'],
    ['10.0.0.1.', '10.0.0.1'],
    ['[::1]', '::1'],
    ['::ffff:127.0.0.1', '::ffff:7f00:1'],
    ['fe80::1%eth0', 'fe80::1'],
  ])('reads %s as %s', (spelling, expected) => {
    expect(parseIpLiteral(spelling)?.toString()).toBe(expected);
  });

  it.each(['example.com', '256.0.0.1', '1.2.3.4.5', '08.1.1.1', '4294967296', 'localhost'])(
    'treats %s as a name',
    (text) => {
      expect(parseIpLiteral(text)).toBeNull();
    },
  );
});

describe('nonPublicReason', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['169.254.169.254', 'cloud metadata'],
    ['169.254.1.1', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['::7f00:1', 'IPv4-compatible'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['fc00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['ff02::1', 'multicast'],
    ['64:ff9b::a00:1', 'private via NAT64'],
    ['64:ff9b::7f00:1', 'loopback via NAT64'],
    ['2002:c0a8:101::1', 'private via 6to4'],
    ['2001:0:4136:e378::1', 'Teredo'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(nonPublicReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '64:ff9b::808:808', '2002:808:808::1'])(
    'accepts %s',
    (address) => {
      expect(nonPublicReason(address)).toBeNull();
    },
  );
});

/** Writes a 32-bit address the ways inet_aton and URL parsers accept. */
function spell(value: number, style: number, radix: number): string {
  const bytes = [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255];
  const part = (n: number) => (radix === 16 ? `0x${n.toString(16)}` : radix === 8 ? `0${n.toString(8)}` : String(n));
  if (style === 0) return part(value);
  if (style === 1) return `${part(bytes[0])}.${part(value & 0xffffff)}`;
  if (style === 2) return `${part(bytes[0])}.${part(bytes[1])}.${part(value & 0xffff)}`;
  return bytes.map(part).join('.');
}

describe('assertPublicUrl', () => {
  it.each([
    'http://127.0.0.1/',
    'http://localhost:5432/',
    'http://LOCALHOST./',
    'http://api.localhost/',
    'http://0.0.0.0:6379/',
    'http://0/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[0:0:0:0:0:ffff:7f00:1]/',
    'http://[::127.0.0.1]/',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[64:ff9b::10.0.0.1]/',
    'http://%31%32%37.0.0.1/',
    'https://10.0.0.5/',
  ])('refuses %s', async (url) => {
    await expect(assertPublicUrl(url, { resolver: staticResolver({}) })).rejects.toBeInstanceOf(UnsafeUrlError);
  });

  it('refuses loopback in every spelling (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0x7f000000, max: 0x7fffffff }),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(8, 10, 16),
        async (value, style, radix) => {
          await expect(
            assertPublicUrl(`http://${spell(value, style, radix)}/`, { resolver: staticResolver({}) }),
          ).rejects.toThrow(/loopback/);
          expect(nonPublicReason(parseIpLiteral(spell(value, style, radix))!)).toBe('loopback');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses other schemes', async () => {
    for (const url of ['file:///etc/passwd', 'ftp://example.com/', 'gopher://example.com/', 'data:text/plain,hi']) {
      await expect(assertPublicUrl(url)).rejects.toThrow(/Only http and https/);
    }
  });

  it('resolves names and refuses one that resolves to a private address, even among public ones', async () => {
    const resolver = staticResolver({ 'intranet.example': ['10.0.0.7'], 'mixed.example': ['93.184.216.34', '::1'] });
    await expect(assertPublicUrl('http://intranet.example/', { resolver })).rejects.toThrow(
      /resolves to 10\.0\.0\.7, a private address/,
    );
    await expect(assertPublicUrl('http://mixed.example/', { resolver })).rejects.toThrow(/::1, a loopback address/);
  });

  it('refuses a resolver answer spelled oddly', async () => {
    const resolver: Resolver = async () => [{ address: '2130706433', family: 4 }];
    await expect(assertPublicUrl('http://odd.example/', { resolver })).rejects.toThrow(/loopback/);
  });

  it('returns the checked addresses of a public name', async () => {
    const resolver = staticResolver({ 'example.com': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] });
    const checked = await assertPublicUrl('https://Example.com./page?q=1', { resolver });
    expect(checked.addresses).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    expect(checked.url.pathname).toBe('/page');
  });

  it('lets the platform allow-list through: names, addresses, ranges, ports', async () => {
    const resolver = staticResolver({ 'docs.internal': ['10.1.1.1'], 'llm.campus': ['10.9.0.4'] });
    const allow = new EgressAllowList(['docs.internal', '10.9.0.0/16', '127.0.0.1:11434', '[::1]:8080']);
    await expect(assertPublicUrl('http://docs.internal/', { resolver, allow })).resolves.toMatchObject({
      addresses: [{ address: '10.1.1.1', family: 4 }],
    });
    await expect(assertPublicUrl('http://llm.campus/v1', { resolver, allow })).resolves.toMatchObject({
      addresses: [{ address: '10.9.0.4', family: 4 }],
    });
    await expect(assertPublicUrl('http://127.0.0.1:11434/', { allow })).resolves.toBeDefined();
    await expect(assertPublicUrl('http://[::ffff:127.0.0.1]:11434/', { allow })).resolves.toBeDefined();
    await expect(assertPublicUrl('http://[::1]:8080/', { allow })).resolves.toBeDefined();
    // The port is part of the entry; the range does not open neighbours.
    await expect(assertPublicUrl('http://127.0.0.1:6379/', { allow })).rejects.toThrow(/loopback/);
    await expect(assertPublicUrl('http://[::1]:5432/', { allow })).rejects.toThrow(/loopback/);
    await expect(assertPublicUrl('http://10.10.0.1/', { allow })).rejects.toThrow(/private/);
    await expect(assertPublicUrl('http://169.254.169.254/', { allow })).rejects.toThrow(/metadata/);
  });

  it('reads allow-list entries strictly', () => {
    for (const bad of ['0x7f.1', '127.1', '10.0.0.0/33', 'host:99999', '[nope]', 'a b'])
      expect(() => new EgressAllowList([bad])).toThrow(/egress allow-list entry/);
    expect(EgressAllowList.parse(' 10.0.0.0/8 , llm.internal:8000 ,').size).toBe(2);
  });

  it('reports names that do not resolve', async () => {
    await expect(assertPublicUrl('http://nowhere.example/', { resolver: staticResolver({}) })).rejects.toThrow(
      /Could not resolve nowhere\.example/,
    );
  });
});
