import type { SnapshotPatch } from '../../snapshot/snapshot.types';
import type { MessageWithParts, PartInfo } from '../session.types';

export interface RevertPoint {
  messageID: string;
  partID?: string;
  /** Every step patch recorded after the point, oldest first. */
  patches: SnapshotPatch[];
}

/**
 * Where a revert to (messageID, partID?) really lands (OpenCode §6.3): at that part when its message already
 * said or did something before it, otherwise at the user message that started the turn, so the whole answer
 * goes. Undefined when the target is not in the transcript.
 */
export function findRevertPoint(
  messages: MessageWithParts[],
  target: { messageID: string; partID?: string },
): RevertPoint | undefined {
  let lastUser: string | undefined;
  let point: Omit<RevertPoint, 'patches'> | undefined;
  const patches: SnapshotPatch[] = [];
  for (const message of messages) {
    if (message.info.role === 'user') lastUser = message.info.id;
    const earlier: PartInfo[] = [];
    for (const part of message.parts) {
      if (point) {
        if (part.type === 'patch') patches.push({ hash: part.hash, files: part.files });
        continue;
      }
      const hit = message.info.id === target.messageID && (!target.partID || part.id === target.partID);
      if (hit) {
        const keepsEarlier = !!target.partID && earlier.some((p) => p.type === 'text' || p.type === 'tool');
        point = keepsEarlier
          ? { messageID: message.info.id, partID: target.partID }
          : { messageID: lastUser ?? message.info.id };
      }
      earlier.push(part);
    }
  }
  return point ? { ...point, patches } : undefined;
}

/** What the next prompt removes for good: later messages, and the point's own parts from partID on. */
export function revertedContent(
  messages: MessageWithParts[],
  revert: { messageID: string; partID?: string },
): { messages: string[]; parts: PartInfo[] } {
  const out = { messages: [] as string[], parts: [] as PartInfo[] };
  for (const message of messages) {
    const id = message.info.id;
    if (revert.partID && id === revert.messageID)
      out.parts.push(...message.parts.filter((p) => p.id >= revert.partID!));
    else if (revert.partID ? id > revert.messageID : id >= revert.messageID) out.messages.push(id);
  }
  return out;
}
