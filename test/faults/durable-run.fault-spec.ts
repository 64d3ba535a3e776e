import fs from 'node:fs';
import path from 'node:path';
import { isTitleRequest, reply, type RecordedRequest } from '../fakes/llm';
import { createTenant, type TestTenant } from '../factories/tenant.factory';
import { client } from '../utils/http';
import type { NodeProcess } from '../utils/node-process';
import { testRedisUrl } from '../utils/redis-lease';
import type { SseClient, SseFrame } from '../utils/sse-client';
import { testServerUrl } from '../utils/test-database';
import { FaultBase, openEvents, startStackApi, startStackWorker } from './fault-stack';

// Durable runs (issue 20 item 6): two API processes and a worker on one Postgres and Redis. A prompt's loop runs on
// API A; its first step ran a bash tool (a side effect: one line appended to a file), its second step streams slowly
// when A is SIGKILLed. Another process (API B or the worker, whichever sweeps first) takes the lease over once it
// expires and resumes the loop from the last completed step: the prompt completes with no error, the tool ran once,
// the cut-off step is gone and the transcript holds each part once. The time from SIGKILL to the resumed loop's
// first event is printed (RUN_LEASE_MS at its default), never asserted.

const enabled = !!testRedisUrl() && !!testServerUrl();
const describeFault = enabled ? describe : describe.skip;
if (!enabled)
  it.skip('durable runs: skipped because REDIS_URL and DATABASE_URL are not both set (three processes share them)', () =>
    undefined);

const SIDE_EFFECT = 'durable-ran.txt';
const SLOW_TEXT = Array.from({ length: 80 }, (_, i) => `slow${i}`).join(' ');
const FINAL_TEXT = 'The tool ran and the answer is complete.';
const isChat = (r: RecordedRequest) => !isTitleRequest(r);

type Message = { info: any; parts: any[] };

function findFile(dir: string, name: string): string | undefined {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isFile() && entry.name === name) return full;
    if (entry.isDirectory() && !entry.isSymbolicLink()) {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return undefined;
}

describeFault('a loop whose API process is SIGKILLed mid-turn', () => {
  let base: FaultBase;
  let apiA: NodeProcess;
  let apiB: NodeProcess;
  let worker: NodeProcess;
  let urlA: string;
  let urlB: string;
  let school: TestTenant;
  let events: SseClient | undefined;

  beforeAll(async () => {
    base = await FaultBase.start({ redis: 'lease' });
    const stack = base.stack({ WORKERS_IN_API: 'false' });
    worker = await startStackWorker('worker', stack);
    [{ proc: apiA, url: urlA }, { proc: apiB, url: urlB }] = await Promise.all([
      startStackApi('api-a', stack),
      startStackApi('api-b', stack),
    ]);
    school = await createTenant(urlA, base.adminKey);
  }, 240_000);

  afterAll(async () => {
    events?.close();
    await base?.close(apiA, apiB, worker);
  });

  it('is resumed by another process from its last completed step, and the prompt completes', async () => {
    const key = school.student.key;
    const created = await school.student.http.post('/session', {
      body: { permission: [{ permission: '*', pattern: '*', action: 'allow' }] },
    });
    expect(created.status).toBe(200);
    const id = created.body.id as string;

    const llm = base.llm;
    llm.enqueueWhen(
      isChat,
      reply()
        .tool('bash', { command: `echo ran >> ${SIDE_EFFECT}`, description: 'leave a mark' }, { id: 'call_mark' })
        .stop(),
    );
    llm.enqueueWhen(isChat, reply().text(SLOW_TEXT).delay(150).stop());
    llm.enqueueWhen(isChat, reply().text(FINAL_TEXT).stop());

    // The events as API B's clients see them (fanned out through Redis from whichever process runs the loop).
    events = await openEvents(urlB, key);
    const prompt = await fetch(`${urlA}/session/${id}/prompt_async`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parts: [{ type: 'text', text: 'mark the file, then explain slowly' }] }),
    });
    expect(prompt.status).toBe(204);

    // The second step streams: the tool call of the first is complete and stored.
    await events.waitForType('message.part.delta', 60_000, (d) => d.properties?.sessionID === id);
    const marks = findFile(base.dataDir, SIDE_EFFECT);
    expect(marks && fs.readFileSync(marks, 'utf8')).toBe('ran\n');
    const before = events.frames.length;
    const killedAt = Date.now();
    await apiA.stop('SIGKILL');

    // The resumed loop's first event (its session.status busy), then its end.
    const since = (f: SseFrame) => events!.frames.indexOf(f) >= before && f.data?.properties?.sessionID === id;
    await events.waitFor(
      (f) => since(f) && f.data.type === 'session.status' && f.data.properties.status?.type === 'busy',
      30_000,
    );
    const resumedAfter = Date.now() - killedAt;
    await events.waitFor((f) => since(f) && f.data.type === 'session.idle', 60_000);

    // Exactly one process took the run over.
    const resumers = [apiB, worker].filter((p) =>
      p.output.split('\n').some((l) => l.includes(id) && l.includes('resuming a loop left by a dead process')),
    );
    console.log(
      `durable run: resumed ${resumedAfter} ms after SIGKILL (the resumed loop's session.status busy on API B's /event; RUN_LEASE_MS default) by ${resumers.map((p) => p.name).join(', ')}`,
    );
    expect(resumers).toHaveLength(1);

    const onB = client(urlB, key);
    const messages = (await onB.get(`/session/${id}/message`)).body as Message[];
    const assistants = messages.filter((m) => m.info.role === 'assistant');
    for (const m of assistants) expect(m.info.error).toBeUndefined();
    const last = assistants[assistants.length - 1];
    expect(last.info.finish).toBe('stop');
    expect(last.parts.filter((p) => p.type === 'text' && !p.synthetic).map((p) => p.text)).toEqual([FINAL_TEXT]);
    // The cut-off step is gone: no stored text holds the slow reply.
    expect(messages.flatMap((m) => m.parts).some((p) => p.type === 'text' && p.text?.includes('slow0'))).toBe(false);
    // The tool call: stored once, completed, and run once.
    const tools = messages.flatMap((m) => m.parts).filter((p) => p.type === 'tool');
    expect(tools.map((p) => [p.callID, p.state.status])).toEqual([['call_mark', 'completed']]);
    expect(fs.readFileSync(findFile(base.dataDir, SIDE_EFFECT)!, 'utf8')).toBe('ran\n');
    const partIds = messages.flatMap((m) => m.parts.map((p) => p.id));
    expect(new Set(partIds).size).toBe(partIds.length);

    // The resumed step's request carried the completed call and its result: the model went on from there.
    const chats = llm.requests.filter(isChat);
    expect(chats).toHaveLength(3);
    const resumedBody = chats[2].body as { messages: { role: string; tool_call_id?: string }[] };
    expect(resumedBody.messages.filter((m) => m.role === 'tool').map((m) => m.tool_call_id)).toEqual(['call_mark']);

    const status = await onB.get('/session/status');
    expect(status.body[id]).toBeUndefined();
  }, 180_000);
});
