import { FakeLlm, isSummaryRequest, isTitleRequest, reply, type RecordedRequest } from '../../fakes/llm';

// A fake model whose usage is the size of what it was sent (4 characters a token, like the server's own
// estimate), so the server's overflow detection works from honest numbers.

export const CONTEXT = 9_000;
export const OUTPUT = 1_500;

export const SUMMARY_TEXT = `## Goal
- Keep answering the numbered turns of this long conversation.

## Constraints & Preferences
- none

## Progress
### Done
- Earlier numbered turns were answered.
### In Progress
- The latest turn.
### Blocked
- none

## Key Decisions
- none

## Next Steps
- Answer the next turn.

## Critical Context
- none

## Relevant Files
- none`;

export const promptTokens = (r: RecordedRequest) => Math.ceil(r.rawBody.length / 4);
export { isSummaryRequest, isTitleRequest };

const FILLER = 'The student asks about loops, recursion and the off-by-one errors in their exercise. ';

/** A user turn of about 300 tokens, tagged so a test can tell which turns a request carried. */
export function turnPrompt(turn: number): string {
  return `TURN-${String(turn).padStart(3, '0')} ${FILLER.repeat(14)}`;
}

function answer(r: RecordedRequest): string {
  const turns = [...r.rawBody.matchAll(/TURN-(\d{3})/g)].map((m) => m[1]);
  return `Answer to turn ${turns.at(-1) ?? '?'}: ${'Check the loop bounds and test the edge cases. '.repeat(6)}`;
}

/** Replies to chat, summary and title requests; usage.input is the request's own size. */
export function windowedReply(r: RecordedRequest) {
  const text = isTitleRequest(r) ? 'A long chat' : isSummaryRequest(r) ? SUMMARY_TEXT : answer(r);
  return reply()
    .text(text)
    .usage({ input: promptTokens(r), output: Math.ceil(text.length / 4) })
    .stop();
}

export async function windowedLlm(options: { chunkDelayMs?: number } = {}): Promise<FakeLlm> {
  const llm = await FakeLlm.start({ chunkDelayMs: options.chunkDelayMs ?? 0 });
  llm.setDefaultReply(windowedReply);
  return llm;
}
