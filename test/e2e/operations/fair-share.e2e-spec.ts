import { waitUntil } from '../../utils/wait-until';
import { startFloodStack, type FairGauges, type FloodStack } from './flood-stack';

// The fair share between busy schools (LOOPS_SHARED), on the real stack: a school alone runs as many loops as its
// hard cap allows; once another school is busy, its new loops wait while it holds more than its share (4 shared, the
// other school keeps one: three), and freed slots go to them only under that share. The busy window is longer than
// the test, so the quiet school stays busy throughout: every step below waits on the gauges, never on time.

let stack: FloodStack;

beforeAll(async () => {
  stack = await startFloodStack({
    LOOPS_PER_TENANT: '100',
    LOOPS_SHARED: '4',
    LLM_CALLS_SHARED: '0',
    FAIR_BUSY_WINDOW_MS: '600000',
  });
});

afterAll(async () => {
  await stack?.close();
});

const loops = (want: { running: number; waiting: number }) => (g: FairGauges) =>
  g.loops === want.running && g.loopsWaiting === want.waiting;

it('a school alone takes every loop it asks for; beside a busy school, new loops wait above its fair share', async () => {
  const { flood } = stack;
  const sessions: string[] = [];
  const floodPrompt = async () => {
    const id = await stack.floodSession(`flood ${sessions.length}`);
    sessions.push(id);
    await stack.floodPrompt(id);
  };
  const gauges = () => stack.gauges(flood.id);

  // Alone, six loops run although the share is four: the share binds only while another school is busy.
  for (let i = 0; i < 6; i++) await floodPrompt();
  await waitUntil('the flood to run six loops', gauges, loops({ running: 6, waiting: 0 }));

  // Another school's prompt is admitted at once (it holds none) and answered in full.
  await stack.expectQuietServed();

  // The quiet school is busy now (within its window): the flood's share is 4 - 1 = 3, so new loops wait.
  await floodPrompt();
  await floodPrompt();
  await waitUntil("the flood's new loops to wait", gauges, loops({ running: 6, waiting: 2 }));

  // Freed slots go to its waiting loops only under its share: four of six ended leave two, and one more may run.
  await Promise.all(sessions.slice(0, 4).map((id) => flood.student.http.post(`/session/${id}/abort`)));
  await waitUntil('one waiting loop to take the freed share', gauges, loops({ running: 3, waiting: 1 }));

  await Promise.all(sessions.map((id) => flood.student.http.post(`/session/${id}/abort`)));
  await waitUntil('every loop of the flood to end', gauges, loops({ running: 0, waiting: 0 }));
  // Nine sessions, nine prompts, a served quiet prompt and two rounds of aborts on a stack of its own: under a loaded
  // CI (ciF1, load 14) the steps together outlasted the default 60 s while each wait was within its own bound.
}, 180_000);
