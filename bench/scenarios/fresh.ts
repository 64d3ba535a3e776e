import { ok, textPrompt, type Client } from '../lib/client';
import { EventWatch } from '../lib/events';
import { summarize } from '../lib/stats';
import { now } from '../lib/time';
import { BENCH_TITLE, PLAIN_REPLY } from '../llm';
import { recordLatency, type Scenario } from './scenario';

/** An untitled session, as a client that does not name it creates it. */
async function createUntitled(client: Client): Promise<string> {
  const session = await ok(client.session.create({ body: {} }), 'POST /session');
  if (!session?.id) throw new Error(`POST /session: answer has no id: ${JSON.stringify(session).slice(0, 200)}`);
  return session.id;
}

const TITLE_WAIT_MS = 30_000;

/**
 * What a new conversation costs: `POST /session` without a title, then its first prompt, which also starts the
 * title generation (a second LLM call with the title prompt, answered "Bench title"). Both timed from the create:
 * to the prompt's answer, and to the `session.updated` event that carries the generated title.
 */
export const freshScenario: Scenario = {
  name: 'fresh',
  description: 'Fresh untitled session + its first prompt, and until its generated title is stored',
  timeoutMs: (o) => o.timeoutS * 1000 + TITLE_WAIT_MS,
  async run(ctx) {
    const watch = await EventWatch.open(ctx.client, ctx.signal);
    // Every generated title seen, by session: it may be stored before the prompt's answer arrives.
    const titledAt = new Map<string, number>();
    watch.on((e) => {
      const info = e.properties?.info;
      if (e.type === 'session.updated' && info?.title === BENCH_TITLE && !titledAt.has(info.id)) titledAt.set(info.id, e.at);
    });
    const answers: number[] = [];
    const titles: number[] = [];
    let wrong = 0;
    let untitled = 0;
    try {
      for (let i = 0; i < ctx.opts.reps && !ctx.signal.aborted; i++) {
        const t0 = now();
        const id = await createUntitled(ctx.client);
        const answer = await ok(ctx.client.session.prompt({ path: { id }, body: textPrompt('Say hello.') }), 'POST /session/{id}/message');
        answers.push(now() - t0);
        const text = ((answer as { parts?: { type: string; text?: string }[] }).parts ?? []).filter((p) => p.type === 'text').map((p) => p.text).join('');
        if (text !== PLAIN_REPLY) wrong++;
        const at =
          titledAt.get(id) ??
          (await watch
            .waitFor((e) => e.type === 'session.updated' && e.properties?.info?.id === id && e.properties?.info?.title === BENCH_TITLE, TITLE_WAIT_MS, 'generated title')
            .then((e) => e.at)
            .catch(() => undefined));
        if (at === undefined) untitled++;
        else titles.push(at - t0);
      }
    } finally {
      watch.close();
    }
    if (wrong) ctx.note(`${wrong} of ${answers.length} first prompts did not answer "${PLAIN_REPLY}"`);
    if (untitled) ctx.note(`${untitled} of ${answers.length} sessions showed no generated title within ${TITLE_WAIT_MS / 1000} s`);
    recordLatency(ctx, 'fresh', 'Fresh session: create + first prompt e2e', summarize(answers));
    recordLatency(ctx, 'fresh.title', 'Fresh session: create → generated title stored (session.updated)', summarize(titles));
  },
};
