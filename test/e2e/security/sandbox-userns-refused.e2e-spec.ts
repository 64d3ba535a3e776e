import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../../fakes/llm';
import { USERNS_REFUSED, userNamespaceRefusingBwrap } from '../../fakes/sandbox/userns-refused-bwrap';
import { createTenant, type TestTenant } from '../../factories/tenant.factory';
import { request } from '../../utils/http';
import { startTestApp, type TestApp } from '../../utils/test-app';
import { fakeProviderConfig } from '../../utils/fake-provider-config';

// The container path without the security context bubblewrap needs: bwrap is installed, but the container's
// seccomp profile refuses new namespaces (Docker's default). The server boots, /ready names bwrap's own error, and
// the session shell answers 503 SandboxUnavailableError without running anything.

let app: TestApp;
let llm: FakeLlm;
let school: TestTenant;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'userns-refused-'));
const canary = path.join(dir, 'ran-on-host');

beforeAll(async () => {
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  llm.setDefaultReply(reply().text('ok').stop());
  app = await startTestApp({
    OPENCODE_CONFIG_CONTENT: fakeProviderConfig(llm.openaiBaseUrl),
    SANDBOX: undefined,
    SANDBOX_BWRAP: userNamespaceRefusingBwrap(dir),
  });
  school = await createTenant(app.url, app.adminKey);
}, 60_000);

afterAll(async () => {
  await app?.close();
  await llm?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('/ready reports the sandbox unavailable with the refusal, and the shell answers 503', async () => {
  const ready = await request(app.url, 'GET', '/ready');
  expect(ready.status).toBe(200);
  expect(ready.body).toMatchObject({
    ready: true,
    sandbox: { mode: 'required', state: 'unavailable', reason: expect.stringContaining(USERNS_REFUSED) },
  });
  const id = (await school.student.http.post('/session', { body: {} })).body.id;
  const res = await school.student.http.post(`/session/${id}/shell`, {
    body: { agent: 'build', command: `touch ${canary}` },
  });
  expect(res.status).toBe(503);
  expect(res.body).toMatchObject({ name: 'SandboxUnavailableError', data: { code: 'sandbox_unavailable' } });
  expect(fs.existsSync(canary)).toBe(false);
});
