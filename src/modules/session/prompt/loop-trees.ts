import type { AssistantMessageInfo, MessageWithParts, PartInfo } from '../session.types';

/** The trees the parts recorded: step-start and step-finish snapshots, in order. */
function treesOf(parts: readonly PartInfo[]): string[] {
  return parts.flatMap((p) =>
    (p.type === 'step-start' || p.type === 'step-finish') && p.snapshot ? [p.snapshot] : [],
  );
}

/**
 * Whether a loop changed the session's files as the session summary sees them (summary.diff.ts: the first step's
 * tree to the last finished step's tree, and per turn the same over its own steps). The base is the tree the last
 * step before the answered turn finished on: that turn's loop ran its finishers (a loop taken over from a dead
 * process runs them when it ends), so the stored diffs were computed up to it. Every tree of the answered turns
 * (steps stored before this loop included: a resumed turn's earlier steps were never summarized) must be that base.
 */
export class LoopTrees {
  private base?: string;
  private started = false;
  private changed = false;

  /** At the loop's first step: `history` as read for it, `turnId` the user message it answers. */
  start(history: MessageWithParts[], turnId: string): void {
    this.started = true;
    const before = history.filter((m) => m.info.id < turnId).flatMap((m) => m.parts);
    this.base = treesOf(before.filter((p) => p.type === 'step-finish')).at(-1);
    this.add(history.filter((m) => m.info.id > turnId).flatMap((m) => m.parts));
  }

  /** The parts of a step this loop ran. */
  add(parts: readonly PartInfo[]): void {
    if (treesOf(parts).some((tree) => tree !== this.base)) this.changed = true;
  }

  /** True unless every tree seen was the base (or none was taken); a loop that never read its turn counts as one. */
  get filesChanged(): boolean {
    return !this.started || this.changed;
  }
}

/** Id order, the order a read gives messages and parts in (ids sort by creation). */
export const byId = (a: { id: string }, b: { id: string }): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** A step's answer as a read of it gives it: its parts in id order. */
export function answerOf(info: AssistantMessageInfo, parts: PartInfo[]): MessageWithParts {
  return { info, parts: [...parts].sort(byId) };
}
