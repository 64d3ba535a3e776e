import { createSession, ok, textPrompt } from '../lib/client';
import { EventWatch, watchTurn } from '../lib/events';
import { round, summarize } from '../lib/stats';
import { now } from '../lib/time';
import { MARK } from '../llm';
import { splitTokens } from '../../test/fakes/llm/reply';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

const TURN_MS = 60_000;

async function promptAsync(ctx: ScenarioContext, sessionID: string, text: string): Promise<void> {
  await ok(ctx.client.session.promptAsync({ path: { id: sessionID }, body: textPrompt(text) }), 'POST /session/{id}/prompt_async');
}

export const firstDeltaScenario: Scenario = {
  name: 'first-delta',
  description: 'prompt_async sent → first message.part.delta at an SSE client (zero-latency LLM)',
  timeoutMs: (o) => o.timeoutS * 1000,
  async run(ctx) {
    const watch = await EventWatch.open(ctx.client, ctx.signal);
    try {
      const sessionID = await createSession(ctx.client, 'bench first delta');
      const samples: number[] = [];
      // Where the time goes: the prompt's intake (stored, admitted: the POST's answer), then the loop to the delta.
      const answered: number[] = [];
      for (let i = -1; i < ctx.opts.reps && !ctx.signal.aborted; i++) {
        const turn = watchTurn(watch, sessionID, TURN_MS);
        const t0 = now();
        await promptAsync(ctx, sessionID, 'Say hello.');
        const t1 = now();
        const first = await turn.firstDelta;
        await turn.done;
        if (i < 0) continue; // the warm-up turn
        samples.push(first.at - t0);
        answered.push(t1 - t0);
      }
      recordLatency(ctx, 'first_delta', 'Prompt start → first delta at SSE client', summarize(samples));
      recordLatency(ctx, 'prompt_async_answer', 'Prompt start → prompt_async answered (the intake)', summarize(answered));
    } finally {
      watch.close();
    }
  },
};

/** Streams the long reply straight from the fake (no server between) to learn its real token rate. */
async function directRate(ctx: ScenarioContext): Promise<number> {
  const res = await fetch(`${ctx.llm.openaiBaseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'fake-model', stream: true, messages: [{ role: 'user', content: `Go. ${MARK.long}` }] }),
    signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(TURN_MS)]),
  });
  const times: { at: number; text: string }[] = [];
  let buffer = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    const frames = buffer.split('\n\n');
    buffer = frames.pop() ?? '';
    const at = now();
    for (const frame of frames) {
      const data = frame.replace(/^data: /, '');
      if (data === '[DONE]') continue;
      const text = JSON.parse(data).choices?.[0]?.delta?.content;
      if (text) times.push({ at, text });
    }
  }
  return tokenRate(times, ctx.opts.longTokens);
}

/** Tokens after the first chunk divided by the first→last chunk time: the rate a reader sees, burst-proof. */
function tokenRate(chunks: { at: number; text: string }[], total: number): number {
  if (chunks.length < 2) return NaN;
  const afterFirst = total - splitTokens(chunks[0].text).length;
  const seconds = (chunks[chunks.length - 1].at - chunks[0].at) / 1000;
  return seconds > 0 ? afterFirst / seconds : NaN;
}

export const tokensScenario: Scenario = {
  name: 'tokens',
  description: 'Streamed tokens/s reaching the SSE client vs the fake LLM at a fixed token rate',
  timeoutMs: (o) => Math.max(o.timeoutS * 1000, 4 * o.reps * o.longTokens * (o.longDelayMs + 2)),
  async run(ctx) {
    const reps = Math.max(1, Math.min(ctx.opts.reps, 5));
    const direct: number[] = [];
    for (let i = 0; i < reps; i++) direct.push(await directRate(ctx));
    const watch = await EventWatch.open(ctx.client, ctx.signal);
    try {
      const sessionID = await createSession(ctx.client, 'bench tokens');
      const rates: number[] = [];
      const deltaCounts: number[] = [];
      for (let i = 0; i < reps && !ctx.signal.aborted; i++) {
        const turn = watchTurn(watch, sessionID, TURN_MS + ctx.opts.longTokens * ctx.opts.longDelayMs * 4);
        await promptAsync(ctx, sessionID, `Stream a long answer. ${MARK.long}`);
        await turn.done;
        const deltas = turn.deltas;
        rates.push(tokenRate(deltas.map((d) => ({ at: d.at, text: String(d.properties.delta ?? '') })), ctx.opts.longTokens));
        deltaCounts.push(deltas.length);
      }
      const fake = summarize(direct).median;
      const served = summarize(rates).median;
      const nominal = 1000 / Math.max(ctx.opts.longDelayMs, 0.001);
      ctx.record({ key: 'tokens.fake', label: `Fake LLM rate read directly (nominal ${round(nominal, 0)} tok/s)`, unit: 'tok/s', value: round(fake), better: 'higher', summary: summarize(direct) });
      ctx.record({ key: 'tokens.sse', label: 'Tokens/s delivered to the SSE client', unit: 'tok/s', value: round(served), better: 'higher', summary: summarize(rates) });
      ctx.record({ key: 'tokens.efficiency', label: 'SSE rate / fake rate', unit: '%', value: round((100 * served) / fake), better: 'higher' });
      ctx.note(`${ctx.opts.longTokens}-token reply; delta events per reply: ${deltaCounts.join(', ')}`);
    } finally {
      watch.close();
    }
  },
};
