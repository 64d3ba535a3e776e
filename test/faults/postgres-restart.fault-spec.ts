import { reply } from '../fakes/llm';
import { createTenant, type TestTenant } from '../factories/tenant.factory';
import { client, type Client } from '../utils/http';
import type { NodeProcess } from '../utils/node-process';
import {
  boundedRequest,
  eventually,
  FaultBase,
  isTitleRequest,
  lastUserText,
  openEvents,
  OutageProbe,
  PrivatePostgres,
  startStackApi,
} from './fault-stack';

// A private Postgres cluster is stopped (fast mode: every connection terminated) while one answer streams and a
// synchronous prompt waits on it, then started again. Requests during the outage get a bounded 503 in OpenCode's
// shape; afterwards everything committed before the stop is listed, no session stays busy, and new prompts run.

const enabled = PrivatePostgres.available();
const describeFault = enabled ? describe : describe.skip;
if (!enabled)
  it.skip('postgres restart: skipped because no Postgres binaries are installed under /usr/lib/postgresql', () =>
    undefined);

const SLOW_WORDS = Array.from({ length: 100 }, (_, i) => `token${i}`).join(' ');
// A request made while Postgres is down must answer (503) rather than hang: one that has not answered by this
// generous bound is recorded with status 0 and fails the status check. How fast it answers belongs in bench/.
const ANSWER_BOUND_MS = 60_000;

type Message = { info: any; parts: any[] };
const textOf = (m: Message) => m.parts.find((p) => p.type === 'text')?.text;

describeFault('Postgres restarted in the middle of a run', () => {
  let base: FaultBase;
  let pg: PrivatePostgres;
  let api: NodeProcess;
  let url: string;
  let school: TestTenant;
  let as: Client;

  beforeAll(async () => {
    pg = await PrivatePostgres.start();
    await pg.migrate();
    base = await FaultBase.start({ databaseUrl: pg.url, redis: 'lease' });
    ({ proc: api, url } = await startStackApi('api', base.stack({ RUN_LEASE_MS: '3000', WORKERS_IN_API: 'true' })));
    school = await createTenant(url, base.adminKey);
    as = client(url, school.admin.key);
  }, 180_000);

  afterAll(async () => {
    await base?.close(api);
    await pg?.destroy();
  });

  it('answers a bounded 503 while Postgres is down, then recovers with nothing lost and nothing busy', async () => {
    const sse = await openEvents(url, school.admin.key);
    try {
      // Committed before the stop: two sessions, one with two full turns.
      const kept = (await as.post('/session', { body: { title: 'kept' } })).body.id as string;
      for (const text of ['first turn', 'second turn'])
        expect((await as.post(`/session/${kept}/message`, { body: { parts: [{ type: 'text', text }] } })).status).toBe(
          200,
        );
      const keptBefore = (await as.get(`/session/${kept}/message`)).body as Message[];
      expect(keptBefore.map(textOf)).toEqual([
        'first turn',
        'answer: first turn',
        'second turn',
        'answer: second turn',
      ]);

      // In flight at the stop: an asynchronous prompt and a synchronous one, both streaming slowly.
      const slow = (req: Parameters<typeof lastUserText>[0], text: string) =>
        !isTitleRequest(req) && lastUserText(req) === text;
      base.llm.enqueueWhen((r) => slow(r, 'async slow'), reply().text(SLOW_WORDS).delay(60).stop());
      base.llm.enqueueWhen((r) => slow(r, 'sync slow'), reply().text(SLOW_WORDS).delay(60).stop());
      const asyncId = (await as.post('/session', { body: { title: 'async' } })).body.id as string;
      const syncId = (await as.post('/session', { body: { title: 'sync' } })).body.id as string;
      expect(
        (await as.post(`/session/${asyncId}/prompt_async`, { body: { parts: [{ type: 'text', text: 'async slow' }] } }))
          .status,
      ).toBe(204);
      const syncPrompt = boundedRequest(
        url,
        'POST',
        `/session/${syncId}/message`,
        { key: school.admin.key, body: { parts: [{ type: 'text', text: 'sync slow' }] } },
        60_000,
      );
      for (const id of [asyncId, syncId])
        await sse.waitForType('message.part.delta', 20_000, (e) => e.properties.sessionID === id);

      await pg.stopFast();
      const stoppedAt = Date.now();

      const outage = new OutageProbe(url, school.admin.key, ANSWER_BOUND_MS);
      const probe = outage.call.bind(outage);
      for (let round = 0; round < 2; round++) {
        await Promise.all([
          probe('GET', '/global/health'),
          probe('GET', '/ready'),
          probe('GET', '/session'),
          probe('GET', `/session/${kept}/message`),
          probe('GET', '/session/status'),
          probe('POST', '/session', { title: 'during' }),
          probe('POST', `/session/${kept}/message`, { parts: [{ type: 'text', text: `during ${round}` }] }),
          probe('POST', `/session/${kept}/prompt_async`, { parts: [{ type: 'text', text: `during async ${round}` }] }),
        ]);
      }
      outage.report('Postgres down', api);
      for (const s of outage.seen) {
        expect({ route: s.route, status: s.status }).toEqual({
          route: s.route,
          status: s.route === 'GET /global/health' ? 200 : 503,
        });
        if (s.status === 503)
          expect(s.body).toEqual({
            name: 'ServiceUnavailableError',
            data: expect.objectContaining({ message: expect.any(String) }),
          });
      }

      // The synchronous prompt whose database vanished under it ends, with a 503, not a hang or a 500.
      const sync = await syncPrompt;
      console.log(`sync prompt in flight at the stop: ${sync.status} after ${sync.elapsed} ms`);
      expect([200, 503]).toContain(sync.status);
      expect(sync.status === 503 ? sync.body : { name: 'ServiceUnavailableError' }).toMatchObject({
        name: 'ServiceUnavailableError',
      });

      await pg.restart();
      console.log(`Postgres was down ${Date.now() - stoppedAt} ms`);
      await eventually(
        'ready after the restart',
        async () => (await boundedRequest(url, 'GET', '/ready', {}, 5000)).status === 200,
        60_000,
      );

      // Nothing committed before the stop is lost.
      const sessions = ((await as.get('/session')).body as { id: string }[]).map((s) => s.id);
      expect(sessions).toEqual(expect.arrayContaining([kept, asyncId, syncId]));
      const keptAfter = (await as.get(`/session/${kept}/message`)).body as Message[];
      expect(keptAfter.map((m) => m.info.id)).toEqual(keptBefore.map((m) => m.info.id));
      expect(keptAfter.map(textOf)).toEqual(keptBefore.map(textOf));

      // The loops that were mid-step end or, when their error could not be stored, are resumed once their lease
      // expires (durable runs): the sessions go idle and every answer is complete, with an error or a full answer.
      const readyAt = Date.now();
      await eventually(
        'no session busy',
        async () => Object.keys((await as.get('/session/status')).body).length === 0,
        30_000,
      );
      console.log(`sessions idle ${Date.now() - readyAt} ms after /ready (RUN_LEASE_MS=3000)`);
      for (const id of [asyncId, syncId]) {
        const messages = (await as.get(`/session/${id}/message`)).body as Message[];
        expect(messages.filter((m) => m.info.role === 'user').map(textOf)).toEqual([
          id === asyncId ? 'async slow' : 'sync slow',
        ]);
        for (const m of messages.filter((x) => x.info.role === 'assistant')) {
          expect(m.info.time.completed).toBeGreaterThan(0);
          const answered = [SLOW_WORDS, `answer: ${id === asyncId ? 'async slow' : 'sync slow'}`].includes(textOf(m)!);
          if (!answered) expect(m.info.error).toMatchObject({ name: expect.any(String) });
        }
      }

      // New prompts complete, on the interrupted sessions too.
      for (const id of [kept, asyncId, syncId]) {
        const res = await as.post(`/session/${id}/message`, {
          body: { parts: [{ type: 'text', text: `after ${id}` }] },
        });
        expect(res.status).toBe(200);
        expect(textOf(res.body)).toBe(`answer: after ${id}`);
      }
      expect(api.exitCode).toBeUndefined();
    } finally {
      sse.close();
    }
  }, 300_000);
});
