import type { GitSnapshot } from '../../snapshot/snapshot.git';
import type { SnapshotFileDiff } from '../../snapshot/snapshot.types';
import type { MessageWithParts } from '../session.types';

/** The tree before the first step and after the last finished step among `messages` (OpenCode §6.1). */
export function snapshotRange(messages: MessageWithParts[]): { from: string; to: string } | undefined {
  let from: string | undefined;
  let to: string | undefined;
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type === 'step-start' && part.snapshot && !from) from = part.snapshot;
      if (part.type === 'step-finish' && part.snapshot) to = part.snapshot;
    }
  }
  return from && to ? { from, to } : undefined;
}

/** Per-file changes made by the steps in `messages`; empty when they carry no snapshots. */
export async function diffOf(
  engine: Pick<GitSnapshot, 'diffFull'>,
  messages: MessageWithParts[],
): Promise<SnapshotFileDiff[]> {
  const range = snapshotRange(messages);
  if (!range || range.from === range.to) return [];
  return engine.diffFull(range.from, range.to);
}

export function totals(diff: SnapshotFileDiff[]): { additions: number; deletions: number; files: number } {
  return diff.reduce(
    (t, d) => ({ additions: t.additions + d.additions, deletions: t.deletions + d.deletions, files: t.files + 1 }),
    { additions: 0, deletions: 0, files: 0 },
  );
}
