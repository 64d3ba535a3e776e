import { waitUntil } from '../../utils/wait-until';
import { expectOk } from '../school/school.fixture';
import { startFloodStack, type FloodStack } from './flood-stack';

// One school floods: eight prompts whose provider calls never answer. With caps of 4 loops and 2 LLM calls per
// school (3 LLM calls per process), the flood holds 4 loops and 2 calls and queues the rest; a second school's
// prompt is answered in full meanwhile. Aborting the flood drains every queue, including loops still waiting.

const FLOOD = 8;
let stack: FloodStack;

beforeAll(async () => {
  stack = await startFloodStack({ LOOPS_PER_TENANT: '4', LLM_CALLS_PER_TENANT: '2', LLM_CALLS_MAX: '3' }, FLOOD);
});

afterAll(async () => {
  await stack?.close();
});

it("one school's flood holds only its share; another school is served in full meanwhile; abort drains the queue", async () => {
  const { flood } = stack;
  const sessions: string[] = [];
  for (let i = 0; i < FLOOD; i++) sessions.push(await stack.floodSession(`flood ${i}`));
  for (const id of sessions) await stack.floodPrompt(id);

  // 4 loops run (the school's loop cap), 4 wait; of the running ones 2 stream (its LLM cap) and 2 wait.
  const full = { loops: 4, loopsWaiting: FLOOD - 4, calls: 2, callsWaiting: 2, intakesWaiting: 0 };
  await waitUntil(
    'the flood to fill its share and queue the rest',
    () => stack.gauges(flood.id),
    (g) => JSON.stringify(g) === JSON.stringify(full),
  );
  expect(stack.floodCallsSent()).toBe(2);

  // The other school is not behind the flood: the process's third LLM slot is free for it.
  await stack.expectQuietServed();
  expect(await stack.gauges(flood.id)).toEqual(full);
  expect(stack.floodCallsSent()).toBe(2);

  // Aborting every flooded session ends the streaming calls and the waits alike: nothing is left queued. (A slot
  // freed by the first aborts may start a queued call before its own abort lands: the count may pass 2 here.)
  await Promise.all(sessions.map((id) => flood.student.http.post(`/session/${id}/abort`)));
  await waitUntil(
    'every slot and queue of the flood to drain',
    () => stack.gauges(flood.id),
    (g) => g.loops + g.loopsWaiting + g.calls + g.callsWaiting === 0,
  );
  const status = expectOk(await flood.student.http.get('/session/status'), 200, 'status');
  expect(sessions.filter((id) => status[id])).toEqual([]);
});
