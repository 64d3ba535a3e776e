import { isSummaryMessage, type CompactionSettings, type MessageWithParts, type ToolPart } from './compaction.types';
import { estimateTokens } from './estimate';

/** Most recent tool output (in tokens) that is always left intact. */
export const PRUNE_PROTECT = 40_000;
/** Pruning only pays off when at least this much would be cleared. */
export const PRUNE_MINIMUM = 20_000;
/** Tools whose output stays useful for the whole session. */
export const PRUNE_PROTECTED_TOOLS: readonly string[] = ['skill'];
const RECENT_USER_TURNS = 2;

export interface PruneOptions {
  protect?: number;
  minimum?: number;
  protectedTools?: readonly string[];
}

export interface PruneSelection {
  /** Tool part ids whose `state.time.compacted` should be set; empty when below the minimum. */
  partIds: string[];
  /** Estimated tokens of every completed tool output walked over. */
  walkedTokens: number;
  /** Estimated tokens the selected outputs hold. */
  prunedTokens: number;
}

/** OpenCode only prunes when `compaction.prune` is set, even though its schema text calls it on by default. */
export function pruneEnabled(settings?: CompactionSettings): boolean {
  return Boolean(settings?.prune);
}

/**
 * Picks old tool outputs to clear. Walks from the newest message back, leaving the two latest user turns
 * alone and stopping at a compaction summary or at output that an earlier prune already cleared.
 */
export function selectPrune(messages: MessageWithParts[], options: PruneOptions = {}): PruneSelection {
  const protect = options.protect ?? PRUNE_PROTECT;
  const minimum = options.minimum ?? PRUNE_MINIMUM;
  const skip = new Set(options.protectedTools ?? PRUNE_PROTECTED_TOOLS);
  const candidates: string[] = [];
  let walked = 0;
  let pruned = 0;
  let userTurns = 0;

  walk: for (let m = messages.length - 1; m >= 0; m--) {
    const message = messages[m];
    if (message.info.role === 'user') userTurns++;
    if (userTurns < RECENT_USER_TURNS) continue;
    if (isSummaryMessage(message)) break;
    for (let p = message.parts.length - 1; p >= 0; p--) {
      const part = message.parts[p];
      if (part.type !== 'tool') continue;
      const { state, tool } = part as ToolPart;
      if (state.status !== 'completed' || skip.has(tool)) continue;
      // Everything older was handled by the previous prune.
      if (state.time.compacted) break walk;
      const tokens = estimateTokens(state.output);
      walked += tokens;
      if (walked > protect) {
        pruned += tokens;
        candidates.push(part.id);
      }
    }
  }

  return { partIds: pruned > minimum ? candidates : [], walkedTokens: walked, prunedTokens: pruned };
}
