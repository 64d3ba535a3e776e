import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';

// The Swagger document explains itself (issue 19 item 7): every operation of GET /doc has a summary and a
// description, every operation that needs credentials documents its 401 (and the others their 4xx) in OpenCode's
// error shape, and the tags come in the order a newcomer meets them. A new route without @ApiDoc fails here.

jest.setTimeout(120_000);

type Operation = {
  summary?: string;
  description?: string;
  security?: unknown[];
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: any }> }>;
};

let app: TestApp;
let doc: { paths: Record<string, Record<string, Operation>>; tags?: { name: string }[] };
let operations: [string, Operation][];

beforeAll(async () => {
  app = await startTestApp({ SANDBOX: 'off' });
  doc = (await request(app.url, 'GET', '/doc')).body;
  operations = Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.entries(item).map(([m, op]) => [`${m.toUpperCase()} ${p}`, op] as [string, Operation]),
  );
});

afterAll(async () => {
  await app?.close();
});

describe('the OpenAPI document', () => {
  it('has a summary and a description on every operation', () => {
    expect(operations.length).toBeGreaterThan(100);
    expect(operations.filter(([, op]) => !op.summary?.trim()).map(([name]) => name)).toEqual([]);
    expect(operations.filter(([, op]) => !op.description?.trim()).map(([name]) => name)).toEqual([]);
  });

  it('documents every 4xx in the error shape {name, data: {message}}', () => {
    const bad: string[] = [];
    for (const [name, op] of operations)
      for (const [status, res] of Object.entries(op.responses))
        if (status.startsWith('4')) {
          const schema = res.content?.['application/json']?.schema;
          if (!schema?.required?.includes('name') || !schema.properties?.data?.required?.includes('message'))
            bad.push(`${name} ${status}`);
        }
    expect(bad).toEqual([]);
  });

  it('documents a 401 on every operation that needs credentials, and none on the public ones', () => {
    const publicOps = operations.filter(([, op]) => Array.isArray(op.security) && op.security.length === 0);
    expect(publicOps.map(([name]) => name).sort()).toEqual(
      [
        'GET /api/health',
        'GET /global/health',
        'GET /ready',
        'GET /share/{shareID}',
        'GET /share/{shareID}/event',
        'GET /pty/{ptyID}/connect',
      ].sort(),
    );
    for (const [, op] of publicOps) expect(op.responses['401']).toBeUndefined();
    const missing = operations.filter(([, op]) => !publicOps.some(([, p]) => p === op) && !op.responses['401']);
    expect(missing.map(([name]) => name)).toEqual([]);
  });

  it('orders its tags as a newcomer meets them, and every tag used is declared', () => {
    const tags = (doc.tags ?? []).map((t) => t.name);
    expect(tags.slice(0, 3)).toEqual(['health', 'auth', 'session']);
    const used = new Set(operations.flatMap(([, op]) => op.tags ?? []));
    expect([...used].filter((t) => !tags.includes(t))).toEqual([]);
  });

  it('the public health probe answers without a key, as documented', async () => {
    const res = await request(app.url, 'GET', '/global/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ healthy: true });
  });
});
