import { gzipSync } from 'node:zlib';
import { FakeWebServer, html, redirect } from '../../../test/fakes/web/fake-web.server';
import { FetchFailedError, UnsafeUrlError } from './net.errors';
import { safeFetch, type SafeFetchOptions } from './safe-fetch';
import type { Resolver } from './ssrf-guard';
import { EgressAllowList } from './egress-allow-list';

let server: FakeWebServer;
let lookups: string[];

// `site.test` does not exist in any DNS; it only works because safeFetch connects to what the guard resolved.
const resolver: Resolver = async (name) => {
  lookups.push(name);
  if (name === 'site.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`ENOTFOUND ${name}`);
};
const options = (extra: SafeFetchOptions = {}): SafeFetchOptions => ({
  resolver,
  allow: new EgressAllowList(['site.test']),
  ...extra,
});
const site = (path: string) => server.url(path, 'site.test');

beforeAll(async () => {
  server = await FakeWebServer.start();
});
beforeEach(() => {
  lookups = [];
});
afterAll(() => server.close());

describe('safeFetch', () => {
  it('connects to the pinned address with the original Host header', async () => {
    server.on('/hello', (request) => html(`<p>host=${request.headers.host}</p>`));
    const response = await safeFetch(site('/hello?x=1'), options());
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe(`<p>host=site.test:${server.port}</p>`);
    expect(lookups).toEqual(['site.test']);
  });

  it('refuses loopback without ever connecting', async () => {
    const before = server.requests.length;
    await expect(safeFetch(server.url('/hello'), options())).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(safeFetch(server.url('/hello', 'localhost'), options())).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(server.requests.length).toBe(before);
  });

  it('follows redirects on the trusted host and re-checks each hop', async () => {
    server
      .on('/a', redirect('/b', 301))
      .on('/b', redirect(site('/c'), 307))
      .on('/c', html('done'));
    const response = await safeFetch(site('/a'), options());
    expect(response.body.toString()).toBe('done');
    expect(response.redirects).toEqual([site('/b'), site('/c')]);
    expect(lookups).toEqual(['site.test', 'site.test', 'site.test']);
  });

  it('refuses a redirect to 127.0.0.1, localhost or the metadata address', async () => {
    for (const target of [
      server.url('/hello'),
      server.url('/hello', 'localhost'),
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      server.on('/jump', redirect(target));
      await expect(safeFetch(site('/jump'), options())).rejects.toBeInstanceOf(UnsafeUrlError);
    }
  });

  it('stops after five redirects', async () => {
    for (let i = 0; i < 7; i++) server.on(`/r${i}`, redirect(`/r${i + 1}`));
    server.on('/r7', html('end'));
    await expect(safeFetch(site('/r2'), options())).resolves.toMatchObject({ status: 200 });
    await expect(safeFetch(site('/r0'), options())).rejects.toThrow(/Too many redirects/);
  });

  it('refuses bodies over the limit, declared or streamed, and after decompression', async () => {
    server.on('/declared', { headers: { 'content-length': String(10_000) }, body: 'x'.repeat(10_000) });
    server.on('/streamed', { streamBytes: 3_000_000 });
    server.on('/bomb', { headers: { 'content-encoding': 'gzip' }, body: gzipSync(Buffer.alloc(2_000_000)) });
    await expect(safeFetch(site('/declared'), options({ maxBytes: 5000 }))).rejects.toThrow(/too large/);
    await expect(safeFetch(site('/streamed'), options({ maxBytes: 1_000_000 }))).rejects.toThrow(/too large/);
    await expect(safeFetch(site('/bomb'), options({ maxBytes: 1_000_000 }))).rejects.toThrow(/too large/);
  });

  it('decompresses gzip bodies', async () => {
    server.on('/gz', {
      headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
      body: gzipSync('zipped text'),
    });
    expect((await safeFetch(site('/gz'), options())).body.toString()).toBe('zipped text');
  });

  it('times out on a server that never answers, and honours an abort signal', async () => {
    server.on('/hang', { hang: true });
    await expect(safeFetch(site('/hang'), options({ timeoutMs: 200 }))).rejects.toMatchObject({ code: 'timeout' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    await expect(safeFetch(site('/hang'), options({ signal: controller.signal }))).rejects.toBeInstanceOf(
      FetchFailedError,
    );
  });
});
