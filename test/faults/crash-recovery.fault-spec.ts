import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeLlm, reply } from '../fakes/llm';
import { request } from '../utils/http';
import { createTestDatabase, type TestDatabase } from '../utils/test-database';
import { waitUntil } from '../utils/wait-until';
import { snapshotDist } from './fault-stack';

// The only API process killed with SIGKILL in the middle of a streaming answer: after a restart on the same database
// the restarted process takes the dead run over and resumes it (durable runs): the cut-off step is removed and runs
// again, the answer completes without an error and the session ends idle.

const ROOT = path.resolve(__dirname, '..', '..');
let MAIN = path.join(ROOT, 'dist', 'main.js');

let llm: FakeLlm;
let db: TestDatabase;
let dataDir: string;
let distCopy: string | undefined;
const key = `oc_fault_${randomBytes(12).toString('hex')}`;

function startApi(port: number): Promise<ChildProcess> {
  const config = {
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        options: { baseURL: llm.openaiBaseUrl, apiKey: 'x' },
        models: { 'fake-model': { tool_call: true, limit: { context: 128000, output: 4096 } } },
      },
    },
    model: 'fake/fake-model',
    enabled_providers: ['fake'],
  };
  const child = spawn(process.execPath, [MAIN], {
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: db.url,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      BOOTSTRAP_API_KEY: key,
      OPENCODE_CONFIG_CONTENT: JSON.stringify(config),
      RUN_LEASE_MS: '3000',
      SANDBOX: 'off',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d) => (log += d));
  child.stderr!.on('data', (d) => (log += d));
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 60_000;
    const probe = async () => {
      if (child.exitCode !== null) return reject(new Error(`API exited early:\n${log}`));
      const ok = await fetch(`http://127.0.0.1:${port}/global/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return resolve(child);
      if (Date.now() > deadline) return reject(new Error(`API did not start:\n${log}`));
      setTimeout(probe, 200);
    };
    void probe();
  });
}

beforeAll(async () => {
  // A private copy of dist/, so a rebuild meanwhile cannot remove the code under the restart.
  distCopy = await snapshotDist();
  MAIN = path.join(ROOT, distCopy, 'main.js');
  llm = await FakeLlm.start({ chunkDelayMs: 0 });
  db = await createTestDatabase();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'oc-fault-'));
});

afterAll(async () => {
  await llm?.stop();
  await db?.close();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  if (distCopy) fs.rmSync(path.join(ROOT, distCopy), { recursive: true, force: true });
});

it('a process killed mid-prompt resumes the run after a restart, and no session stays busy', async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  const first = await startApi(port);
  const base = `http://127.0.0.1:${port}`;
  try {
    const session = await request(base, 'POST', '/session', { key, body: { title: 'crash' } });
    expect(session.status).toBe(200);
    const id = session.body.id as string;
    llm.setDefaultReply(reply().text('streaming words before the crash').hangAfter(4));
    const async = await request(base, 'POST', `/session/${id}/prompt_async`, {
      key,
      body: { parts: [{ type: 'text', text: 'go' }] },
    });
    expect(async.status).toBe(204);
    // Wait until the answer is streaming and its partial text has been flushed to the database (read back
    // through the API, which reads the database), then kill the process mid-stream.
    await waitUntil(
      'partial answer text stored while the stream hangs',
      async () => {
        const messages = await request(base, 'GET', `/session/${id}/message`, { key });
        const assistant = (
          messages.body as { info: { role: string }; parts: { type: string; text?: string }[] }[]
        ).find((m) => m.info.role === 'assistant');
        return assistant?.parts.find((p) => p.type === 'text')?.text ?? '';
      },
      (text) => text.length > 0,
      { timeoutMs: 30_000, everyMs: 100 },
    );
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));

    llm.setDefaultReply(reply().text('the answer after the restart').stop());
    const second = await startApi(port);
    try {
      await waitUntil(
        'the resumed answer to complete after the restart',
        async () => (await request(base, 'GET', `/session/${id}/message`, { key })).body as any[],
        (messages) => messages.some((m) => m.info.role === 'assistant' && m.info.finish === 'stop'),
        { timeoutMs: 30_000, everyMs: 200 },
      );
      await waitUntil(
        'the session to be idle after the restart',
        async () => (await request(base, 'GET', '/session/status', { key })).body as Record<string, unknown>,
        (status) => status[id] === undefined,
        { timeoutMs: 30_000, everyMs: 200 },
      );
      const messages = await request(base, 'GET', `/session/${id}/message`, { key });
      const assistants = messages.body.filter((m: { info: { role: string } }) => m.info.role === 'assistant');
      expect(assistants).toHaveLength(1);
      expect(assistants[0].info.error).toBeUndefined();
      const texts = assistants[0].parts.filter(
        (p: { type: string; synthetic?: boolean }) => p.type === 'text' && !p.synthetic,
      );
      expect(texts.map((p: { text: string }) => p.text)).toEqual(['the answer after the restart']);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  } finally {
    if (first.exitCode === null) first.kill('SIGKILL');
  }
}, 120_000);
