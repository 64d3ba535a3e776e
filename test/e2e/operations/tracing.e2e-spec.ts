import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeLlm, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';
import { createTenant } from '../../factories/tenant.factory';
import { fakeProviderConfig } from '../../utils/fake-provider-config';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { waitUntil } from '../../utils/wait-until';
import { expectOk, textPrompt } from '../school/school.fixture';

// OpenTelemetry, end to end: the API exports OTLP/HTTP to a local receiver, and one prompt is one trace — the
// HTTP request, the loop, each provider call, the tool and its sandbox run, and the title job on the worker —
// with the school and session as attributes.

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: { key: string; value: { stringValue?: string; intValue?: string | number; boolValue?: boolean } }[];
}

jest.setTimeout(150_000);

const spans: OtlpSpan[] = [];
let receiver: Server;
let app: TestApp;
let llm: FakeLlm;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && String(req.headers['content-type']).includes('json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) spans.push(...ss.spans);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  const step = (r: RecordedRequest) => !isTitleRequest(r);
  llm.enqueueWhen(step, reply().tool('bash', { command: 'echo traced', description: 'echo' }).stop());
  llm.enqueueWhen(step, reply().text('Done.').stop());
  llm.setDefaultReply(reply().text('A title').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl, { permission: { bash: 'allow' } }),
    SANDBOX: 'off',
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
  });
});

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  await new Promise((r) => receiver?.close(r));
});

const attr = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.boolValue ?? (v?.intValue !== undefined ? Number(v.intValue) : undefined);
};

it('one prompt is one trace: HTTP → loop → provider calls → tool → sandbox → the title job on the worker', async () => {
  const school = await createTenant(app.url, app.adminKey);
  const session = expectOk(await school.student.http.post('/session', { body: {} }), 200, 'session');
  const traceparent = `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01`;
  expectOk(
    await school.student.http.post(`/session/${session.id}/message`, {
      body: textPrompt('run it'),
      headers: { traceparent },
    }),
    200,
    'prompt',
  );
  const traceId = 'ab'.repeat(16);
  const inTrace = () => spans.filter((s) => s.traceId === traceId);
  // The title job runs after the answer; the batch exporter sends every second.
  await waitUntil(
    'the spans of the prompt and its title job to arrive',
    () =>
      inTrace().some((s) => s.name === 'job session.title') &&
      inTrace().filter((s) => s.name === 'llm.call').length >= 3 &&
      inTrace().some((s) => s.name.startsWith('POST ')),
    undefined,
    { timeoutMs: 90_000 },
  ).catch((err) => {
    throw new Error(`${err.message}; spans: ${JSON.stringify(spans.map((s) => [s.name, s.traceId.slice(0, 6)]))}`);
  });
  const trace = inTrace();
  const byName = (name: string) => trace.filter((s) => s.name === name);
  const [http] = byName('POST /session/:sessionID/message');
  expect(http).toBeDefined();
  expect(http.parentSpanId).toBe('cd'.repeat(8)); // continues the caller's trace
  expect(attr(http, 'opencode.tenant')).toBe(school.id);

  const [loop] = byName('session.loop');
  expect(attr(loop, 'opencode.tenant')).toBe(school.id);
  expect(attr(loop, 'opencode.session')).toBe(session.id);
  const steps = byName('llm.call').filter((s) => attr(s, 'opencode.purpose') === 'step');
  expect(steps.length).toBe(2);
  for (const step of steps) {
    expect(step.parentSpanId).toBe(loop.spanId);
    expect(attr(step, 'gen_ai.request.model')).toBe('fake/fake-model');
    expect(Number(attr(step, 'gen_ai.usage.output_tokens'))).toBeGreaterThan(0);
  }
  const [tool] = byName('tool bash');
  expect(tool).toBeDefined();
  const [sandbox] = byName('sandbox.run');
  expect(sandbox.parentSpanId).toBe(tool.spanId);
  expect(attr(sandbox, 'opencode.sandbox.via')).toBe('bash');
  expect(attr(sandbox, 'opencode.sandbox.outcome')).toBe('ok');

  const [job] = byName('job session.title');
  expect(attr(job, 'opencode.tenant')).toBe(school.id);
  const titleCall = byName('llm.call').find((s) => s.parentSpanId === job.spanId);
  expect(titleCall && attr(titleCall, 'opencode.purpose')).toBe('title');

  // Nothing in the trace carries the prompt's or the answer's text.
  expect(JSON.stringify(trace)).not.toMatch(/run it|echo traced|Done\./);
});
