import { compactionPartOf, isCompactionRequest, isSummaryMessage, type MessageWithParts } from './compaction.types';

/**
 * The history the model sees, given every message of a session in id order. From the last completed
 * compaction on it is: the compaction request, its summary, the tail it kept verbatim, then later messages.
 * Older compaction pairs inside the kept range are dropped; the latest summary already covers them.
 */
export function filterCompacted<M extends MessageWithParts>(messages: M[]): M[] {
  const found = findLastCompleted(messages);
  if (!found) return messages;
  const { requestIndex, summaryIndex } = found;
  const request = messages[requestIndex];
  const tailStartId = compactionPartOf(request)?.tail_start_id;
  const tailStart = tailStartId ? messages.findIndex((message) => message.info.id === tailStartId) : -1;
  const tail =
    tailStart >= 0 && tailStart < requestIndex
      ? messages
          .slice(tailStart, requestIndex)
          .filter((message) => !isCompactionRequest(message) && !isSummaryMessage(message))
      : [];
  const later = messages.slice(requestIndex + 1).filter((_, offset) => requestIndex + 1 + offset !== summaryIndex);
  return [request, messages[summaryIndex], ...tail, ...later];
}

/** A compaction is complete once a summary answering it finished without error. */
function findLastCompleted(messages: MessageWithParts[]): { requestIndex: number; summaryIndex: number } | undefined {
  const summaryFor = new Map<string, number>();
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    const { info } = message;
    if (isSummaryMessage(message) && info.finish && !info.error && info.parentID && !summaryFor.has(info.parentID)) {
      summaryFor.set(info.parentID, i);
    }
    if (isCompactionRequest(message) && summaryFor.has(info.id))
      return { requestIndex: i, summaryIndex: summaryFor.get(info.id)! };
  }
  return undefined;
}
