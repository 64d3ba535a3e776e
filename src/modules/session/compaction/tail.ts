import { isCompactionRequest, type MessageWithParts } from './compaction.types';
import { estimateTokens } from './estimate';

export const DEFAULT_TAIL_TURNS = 2;
const MIN_TAIL_TOKENS = 2_000;
const MAX_TAIL_TOKENS = 8_000;

export interface TailOptions {
  /** User turns to keep verbatim (`compaction.tail_turns`). */
  tailTurns?: number;
  /** Token budget for the tail (`compaction.preserve_recent_tokens`). */
  preserveRecentTokens?: number;
  /** Usable context of the model (see `usableTokens`); sizes the default budget. */
  usable: number;
  /** Size of one message; callers with the provider-converted form should measure that instead. */
  estimate?: (message: MessageWithParts) => number;
}

export interface TailSelection<M extends MessageWithParts> {
  /** First message kept verbatim, written to the compaction part as `tail_start_id`. */
  tailStartId?: string;
  /** Messages to summarise. */
  head: M[];
  /** Messages kept verbatim after the summary. */
  tail: M[];
  budget: number;
}

export function tailBudget(usable: number, preserveRecentTokens?: number): number {
  if (preserveRecentTokens !== undefined) return preserveRecentTokens;
  return Math.min(MAX_TAIL_TOKENS, Math.max(MIN_TAIL_TOKENS, Math.floor(usable * 0.25)));
}

/**
 * Splits history into the head to summarise and a verbatim tail made of the latest user turns that fit
 * the budget. The oldest turn that does not fit whole may contribute its newest messages.
 */
export function selectTail<M extends MessageWithParts>(messages: M[], options: TailOptions): TailSelection<M> {
  const budget = tailBudget(options.usable, options.preserveRecentTokens);
  const measure = options.estimate ?? ((message: MessageWithParts) => estimateTokens(message));
  // The pending compaction request itself is neither head nor tail.
  const history =
    messages.length > 0 && isCompactionRequest(messages[messages.length - 1]) ? messages.slice(0, -1) : messages;
  const everything: TailSelection<M> = { head: history, tail: [], budget };
  const turnLimit = options.tailTurns ?? DEFAULT_TAIL_TURNS;
  if (turnLimit <= 0) return everything;

  const starts = history.flatMap((message, index) =>
    message.info.role === 'user' && !isCompactionRequest(message) ? [index] : [],
  );
  if (starts.length === 0) return everything;
  const sizes = history.map(measure);
  const firstRecent = Math.max(0, starts.length - turnLimit);

  let used = 0;
  let keepFrom: number | undefined;
  for (let t = starts.length - 1; t >= firstRecent; t--) {
    const start = starts[t];
    const end = t + 1 < starts.length ? starts[t + 1] : history.length;
    const size = sum(sizes, start, end);
    if (used + size <= budget) {
      used += size;
      keepFrom = start;
      continue;
    }
    // Keep the newest messages of this turn that still fit; its user message goes to the head.
    let from = end;
    while (from - 1 > start && used + sizes[from - 1] <= budget) {
      used += sizes[from - 1];
      from--;
    }
    if (from < end) keepFrom = from;
    break;
  }

  // Nothing fits, or everything does and there would be nothing left to summarise.
  if (keepFrom === undefined || keepFrom === 0) return everything;
  return {
    tailStartId: history[keepFrom].info.id,
    head: history.slice(0, keepFrom),
    tail: history.slice(keepFrom),
    budget,
  };
}

function sum(values: number[], from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += values[i];
  return total;
}
