// `npx tsx bench/compaction.ts [--turns 300] [--context 9000] [--output 1500] [--system 5600]`
//
// Tokens sent to the model over a long conversation, with and without compaction. The conversation is
// replayed in memory through the server's own compaction code: the loop's history hook (filterCompacted),
// the overflow test, the head/tail split, the summariser's head (stripForSummary) and the provider message
// conversion; a request's size is the server's own estimate (4 characters a token) of the converted
// messages plus a fixed system prompt and tool list (5,600 tokens: what the e2e test measured for the build
// agent). It measures the compaction policy, not HTTP or database speed; `npm run bench:compaction`
// (bench/compaction-e2e.ts) runs the same conversation through the real API and worker processes.
import { parseArgs } from 'node:util';
import { compactionRequest, COMPACTION_CONTINUE, COMPACTION_PROMPT } from '../src/modules/agent/prompt/compaction.prompt';
import { previousSummaryText, stripForSummary, withoutCompactionPairs } from '../src/modules/session/compaction/compaction-history';
import type { MessageWithParts as Loose } from '../src/modules/session/compaction/compaction.types';
import { estimateTokens } from '../src/modules/session/compaction/estimate';
import { filterCompacted } from '../src/modules/session/compaction/filter-compacted';
import { isOverflow, usableTokens } from '../src/modules/session/compaction/overflow';
import { selectTail } from '../src/modules/session/compaction/tail';
import { toModelMessages } from '../src/modules/session/prompt/model-messages';
import type { AssistantMessageInfo, MessageWithParts, PartInfo } from '../src/modules/session/session.types';

/** A part before it gets its ids (Omit distributed over the union, so each part type keeps its fields). */
type NewPart = PartInfo extends infer P ? (P extends PartInfo ? Omit<P, 'id' | 'sessionID' | 'messageID'> : never) : never;

const { values } = parseArgs({
  options: {
    turns: { type: 'string', default: '300' },
    context: { type: 'string', default: '9000' },
    output: { type: 'string', default: '1500' },
    system: { type: 'string', default: '5600' },
  },
});
const TURNS = Number(values.turns);
const LIMIT = { context: Number(values.context), output: Number(values.output) };
const SYSTEM = Number(values.system);
const REF = { providerID: 'fake', modelID: 'tiny-model' };
const FILLER = 'The student asks about loops, recursion and the off-by-one errors in their exercise. ';
const SUMMARY = `## Goal\n- Keep answering the numbered turns.\n\n## Constraints & Preferences\n- none\n\n## Progress\n### Done\n- Earlier turns answered.\n### In Progress\n- The latest turn.\n### Blocked\n- none\n\n## Key Decisions\n- none\n\n## Next Steps\n- Answer the next turn.\n\n## Critical Context\n- none\n\n## Relevant Files\n- none`;

interface RunStats {
  mode: string;
  requests: number;
  summaryRequests: number;
  totalTokens: number;
  maxRequest: number;
  overWindow: number;
}

let seq = 0;
const id = (prefix: string) => `${prefix}_${String(++seq).padStart(12, '0')}`;

function user(parts: NewPart[]): MessageWithParts {
  const mid = id('msg');
  return {
    info: { id: mid, sessionID: 'ses', role: 'user', time: { created: seq }, agent: 'build', model: REF },
    parts: parts.map((p) => ({ ...p, id: id('prt'), sessionID: 'ses', messageID: mid }) as PartInfo),
  };
}

function assistant(parentID: string, text: string, input: number, extra: { summary?: boolean } = {}): MessageWithParts {
  const mid = id('msg');
  const output = estimateTokens(text);
  return {
    info: { id: mid, sessionID: 'ses', role: 'assistant', parentID, time: { created: seq, completed: seq }, ...REF, mode: 'build', agent: 'build', path: { cwd: '/', root: '/' }, cost: 0, tokens: { input, output, reasoning: 0, cache: { read: 0, write: 0 } }, finish: 'stop', ...extra },
    parts: [{ id: id('prt'), sessionID: 'ses', messageID: mid, type: 'text', text }],
  };
}

function run(compact: boolean): RunStats {
  const history: MessageWithParts[] = [];
  const stats: RunStats = { mode: compact ? 'with compaction' : 'without compaction', requests: 0, summaryRequests: 0, totalTokens: 0, maxRequest: 0, overWindow: 0 };
  const send = (tokens: number, summary = false) => {
    stats.requests++;
    if (summary) stats.summaryRequests++;
    stats.totalTokens += tokens;
    stats.maxRequest = Math.max(stats.maxRequest, tokens);
    if (tokens >= LIMIT.context) stats.overWindow++;
    return tokens;
  };
  const step = (parent: MessageWithParts) => {
    const visible = compact ? (filterCompacted(history as unknown as Loose[]) as unknown as MessageWithParts[]) : history;
    const input = send(SYSTEM + estimateTokens(toModelMessages(visible, REF)));
    const reply = assistant(parent.info.id, `Answer: ${'Check the loop bounds and test the edge cases. '.repeat(6)}`, input);
    history.push(reply);
    return reply;
  };
  for (let turn = 1; turn <= TURNS; turn++) {
    const prompt = user([{ type: 'text', text: `TURN-${turn} ${FILLER.repeat(14)}` }]);
    history.push(prompt);
    const reply = step(prompt);
    if (!compact || !isOverflow({ tokens: (reply.info as AssistantMessageInfo).tokens, model: { limit: LIMIT } })) continue;
    // The summary turn, as the compaction job builds it.
    const request = user([{ type: 'compaction', auto: true }]);
    history.push(request);
    const visible = filterCompacted(history as unknown as Loose[]) as unknown as MessageWithParts[];
    const previous = previousSummaryText(visible);
    const split = selectTail(withoutCompactionPairs(visible, request.info.id) as unknown as Loose[], {
      usable: usableTokens({ model: { limit: LIMIT } }),
      estimate: (m) => estimateTokens(toModelMessages([m as unknown as MessageWithParts], REF)),
    });
    const head = toModelMessages(stripForSummary(split.head as unknown as MessageWithParts[]), REF);
    const input = send(estimateTokens(COMPACTION_PROMPT) + estimateTokens([...head, { role: 'user', content: [{ type: 'text', text: compactionRequest(previous) }] }]), true);
    const part = request.parts[0] as PartInfo & { type: 'compaction' };
    if (split.tailStartId) part.tail_start_id = split.tailStartId;
    history.push(assistant(request.info.id, SUMMARY, input, { summary: true }));
    const next = user([{ type: 'text', text: COMPACTION_CONTINUE, synthetic: true }]);
    history.push(next);
    step(next);
  }
  return stats;
}

const rows = [run(false), run(true)];
const fmt = (n: number) => n.toLocaleString('en-US');
console.log(`compaction bench: ${TURNS} turns, context ${fmt(LIMIT.context)}, output ${fmt(LIMIT.output)}, system+tools ${fmt(SYSTEM)} tokens\n`);
console.log('| run | requests | of which summaries | total tokens sent | largest request | requests over the window |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.mode} | ${fmt(r.requests)} | ${fmt(r.summaryRequests)} | ${fmt(r.totalTokens)} | ${fmt(r.maxRequest)} | ${fmt(r.overWindow)} |`);
console.log(`\ncompaction sends ${(rows[0].totalTokens / rows[1].totalTokens).toFixed(1)}x fewer tokens`);
