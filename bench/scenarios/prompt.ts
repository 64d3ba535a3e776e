import { createSession, ok, textPrompt, type Client } from '../lib/client';
import { summarize } from '../lib/stats';
import { now } from '../lib/time';
import { MARK, PLAIN_REPLY, TOOL_ANSWER, TOOL_FILE_TEXT } from '../llm';
import { recordLatency, type Scenario, type ScenarioContext } from './scenario';

interface PromptAnswer {
  info?: { finish?: string; error?: unknown };
  parts?: { type: string; text?: string }[];
}

async function prompt(client: Client, sessionID: string, text: string): Promise<PromptAnswer> {
  return ok(client.session.prompt({ path: { id: sessionID }, body: textPrompt(text) }), 'POST /session/{id}/message');
}

const answerText = (a: PromptAnswer) => (a.parts ?? []).filter((p) => p.type === 'text').map((p) => p.text ?? '').join('');

/** Sequential prompts on one warm session; the fake answers at once, so the time is the server's. */
async function measure(ctx: ScenarioContext, text: string, expected: string): Promise<number[]> {
  const sessionID = await createSession(ctx.client, 'bench prompt');
  await prompt(ctx.client, sessionID, text); // warm-up: lazy per-session and per-instance work
  const samples: number[] = [];
  let wrong = 0;
  for (let i = 0; i < ctx.opts.reps && !ctx.signal.aborted; i++) {
    const t0 = now();
    const answer = await prompt(ctx.client, sessionID, text);
    samples.push(now() - t0);
    if (answerText(answer) !== expected || answer.info?.error) wrong++;
  }
  if (wrong) ctx.note(`${wrong} of ${samples.length} answers did not carry the expected text "${expected}"`);
  if (text.includes(MARK.tool)) await checkToolRan(ctx, sessionID);
  return samples;
}

/** The tool figures only mean something if `read` really ran: look for its completed part. */
async function checkToolRan(ctx: ScenarioContext, sessionID: string): Promise<void> {
  const messages = await ok(ctx.client.session.messages({ path: { id: sessionID } }), 'GET /session/{id}/message');
  const tools = (messages as { parts: any[] }[]).flatMap((m) => m.parts).filter((p) => p.type === 'tool');
  const done = tools.filter((p) => p.state?.status === 'completed' && String(p.state?.output ?? '').includes(TOOL_FILE_TEXT.trim()));
  if (done.length === 0) ctx.note(`no completed read tool part with the file's text among ${tools.length} tool parts`);
}

export const promptScenario: Scenario = {
  name: 'prompt',
  description: 'Prompt end to end (POST /session/{id}/message), one LLM call at zero latency',
  timeoutMs: (o) => o.timeoutS * 1000,
  async run(ctx) {
    recordLatency(ctx, 'prompt', 'Prompt e2e, 1 LLM call', summarize(await measure(ctx, 'Say hello.', PLAIN_REPLY)));
  },
};

export const toolScenario: Scenario = {
  name: 'tool',
  description: 'Prompt end to end with one `read` tool call (2 LLM calls + the tool)',
  timeoutMs: (o) => o.timeoutS * 1000,
  async run(ctx) {
    recordLatency(ctx, 'tool', 'Prompt e2e, 1 tool call (2 LLM calls)', summarize(await measure(ctx, `Read the file. ${MARK.tool}`, TOOL_ANSWER)));
  },
};
