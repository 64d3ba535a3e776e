import type { ContentPart, ModelMessage, ToolResultPart } from '../provider.types';

/** How one wire format writes each kind of content as its blocks. */
export interface TurnBlocks<B> {
  assistant(content: ContentPart[]): B[];
  toolResults(content: ToolResultPart[]): B[];
  text(text: string): B;
  file(part: { mime: string; url: string; filename?: string }): B;
}

export interface RoleTurn<B> {
  role: 'user' | 'assistant';
  content: B[];
}

/**
 * The turns of the APIs with two alternating roles (Anthropic Messages, Bedrock Converse): tool results travel in a
 * user turn, messages that end up with the same role as the turn before (tool results, then the next user text)
 * share that turn, since both APIs refuse two turns of one role in a row; empty text and empty messages are dropped.
 */
export function groupByRole<B>(messages: ModelMessage[], blocksFor: TurnBlocks<B>): RoleTurn<B>[] {
  const out: RoleTurn<B>[] = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks =
      message.role === 'assistant'
        ? blocksFor.assistant(message.content)
        : message.role === 'tool'
          ? blocksFor.toolResults(message.content)
          : message.content.flatMap((p) =>
              p.type === 'text' ? (p.text !== '' ? [blocksFor.text(p.text)] : []) : [blocksFor.file(p)],
            );
    if (blocks.length === 0) continue;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  return out;
}
