import { gzipSync } from 'node:zlib';
import { FakeWebServer, html, redirect } from '../../../test/fakes/web/fake-web.server';
import { EgressAllowList } from './egress-allow-list';
import { createGuardedFetch } from './guarded-fetch';
import { UnsafeUrlError } from './net.errors';
import type { Resolver } from './ssrf-guard';

let server: FakeWebServer;
let lookups: string[];

// Neither name exists in any DNS: requests only arrive because the socket connects to what the guard resolved.
const resolver: Resolver = async (name) => {
  lookups.push(name);
  if (name === 'site.test' || name === 'other.test') return [{ address: '127.0.0.1', family: 4 }];
  throw new Error(`ENOTFOUND ${name}`);
};
const guarded = createGuardedFetch({ resolver, allow: new EgressAllowList(['site.test', 'other.test']) });
const site = (path: string, host = 'site.test') => server.url(path, host);

beforeAll(async () => {
  server = await FakeWebServer.start();
});
beforeEach(() => {
  lookups = [];
});
afterAll(() => server.close());

describe('createGuardedFetch', () => {
  it('sends method, headers and body to the pinned address and answers with a web Response', async () => {
    server.on('/echo', (request) => ({
      headers: { 'content-type': 'application/json', 'x-seen': 'yes' },
      body: JSON.stringify({ host: request.headers.host, body: request.body, method: request.method }),
    }));
    const response = await guarded(site('/echo?q=1'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer k' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-seen')).toBe('yes');
    expect(response.url).toBe(site('/echo?q=1'));
    expect(await response.json()).toEqual({ host: `site.test:${server.port}`, body: '{"a":1}', method: 'POST' });
    expect(lookups).toEqual(['site.test']);
  });

  it('accepts a Request object and streams the body as it arrives', async () => {
    server.on('/big', { streamBytes: 200_000 });
    const response = await guarded(new Request(site('/big')));
    let total = 0;
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) total += chunk.byteLength;
    expect(total).toBe(200_000);
  });

  it('decodes gzip like fetch does', async () => {
    server.on('/gz', {
      headers: { 'content-encoding': 'gzip', 'content-type': 'text/plain' },
      body: gzipSync('zipped'),
    });
    expect(await (await guarded(site('/gz'))).text()).toBe('zipped');
  });

  it('refuses loopback, localhost and metadata before connecting', async () => {
    const before = server.requests.length;
    for (const url of [
      server.url('/echo'),
      server.url('/echo', 'localhost'),
      `http://[::ffff:127.0.0.1]:${server.port}/`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      await expect(guarded(url)).rejects.toBeInstanceOf(UnsafeUrlError);
    }
    expect(server.requests.length).toBe(before);
  });

  it('re-checks every redirect and refuses one into loopback', async () => {
    server
      .on('/a', redirect('/b', 302))
      .on('/b', html('done'))
      .on('/jump', redirect(server.url('/b')));
    const followed = await guarded(site('/a'));
    expect(await followed.text()).toBe('done');
    expect(followed.url).toBe(site('/b'));
    const before = server.requests.length;
    await expect(guarded(site('/jump'))).rejects.toBeInstanceOf(UnsafeUrlError);
    expect(server.requests.length).toBe(before + 1);
  });

  it('returns the redirect itself when asked for manual redirects', async () => {
    server.on('/m', redirect(server.url('/b')));
    const response = await guarded(site('/m'), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe(server.url('/b'));
  });

  it('drops credentials on a redirect to another origin, and a POST becomes a GET after 303', async () => {
    server.on('/hop', redirect(site('/land', 'other.test'), 303)).on('/land', (request) =>
      html(
        JSON.stringify({
          auth: request.headers.authorization ?? null,
          key: request.headers['x-api-key'] ?? null,
          method: request.method,
        }),
      ),
    );
    const response = await guarded(site('/hop'), {
      method: 'POST',
      headers: { authorization: 'Bearer secret', 'x-api-key': 'secret' },
      body: 'x',
    });
    expect(JSON.parse(await response.text())).toEqual({ auth: null, key: null, method: 'GET' });
  });

  it('honours an abort signal, failing like fetch', async () => {
    server.on('/hang', { hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 100);
    await expect(guarded(site('/hang'), { signal: controller.signal })).rejects.toThrow('stop');
    await expect(guarded(site('/nowhere', 'unknown.test'))).rejects.toThrow(/Could not resolve unknown\.test/);
  });
});
