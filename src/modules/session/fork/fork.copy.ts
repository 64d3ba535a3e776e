import { newId } from '../../../core/ids';
import type { AssistantMessageInfo, MessageWithParts, PartInfo } from '../session.types';

/**
 * Copies the messages before `beforeId` (all when omitted) into session `sessionID` with fresh ascending ids,
 * keeping their order and re-pointing assistant `parentID` and compaction `tail_start_id` at the copies.
 */
export function copyTranscript(messages: MessageWithParts[], sessionID: string, beforeId?: string): MessageWithParts[] {
  const kept = beforeId ? messages.filter((m) => m.info.id < beforeId) : messages;
  const ids = new Map<string, string>();
  // Ids are minted in transcript order so the copies sort exactly like the originals.
  for (const m of kept) ids.set(m.info.id, newId('message'));
  return kept.map((m) => {
    const id = ids.get(m.info.id)!;
    const info = { ...m.info, id, sessionID };
    if (info.role === 'assistant')
      (info as AssistantMessageInfo).parentID =
        ids.get((m.info as AssistantMessageInfo).parentID) ?? (m.info as AssistantMessageInfo).parentID;
    const parts = m.parts.map((p) => {
      const part = { ...p, id: newId('part'), sessionID, messageID: id } as PartInfo;
      if (part.type === 'compaction' && part.tail_start_id)
        part.tail_start_id = ids.get(part.tail_start_id) ?? part.tail_start_id;
      return part;
    });
    return { info, parts };
  });
}

/** `<title> (fork #N)`, numbered after the forks of the same original title. */
export function forkTitleBase(title: string): string {
  return title.replace(/ \(fork #\d+\)$/, '');
}
