// The slice of OpenCode's message/part shapes the compaction maths reads. Extra fields are allowed so
// stored messages can be passed straight in.

export interface TokenUsage {
  total?: number;
  input: number;
  output: number;
  reasoning?: number;
  cache?: { read: number; write: number };
}

export interface ModelLimit {
  context: number;
  input?: number;
  output: number;
}

export interface CompactionSettings {
  auto?: boolean;
  prune?: boolean;
  reserved?: number;
  tail_turns?: number;
  preserve_recent_tokens?: number;
}

export interface MessageInfo {
  id: string;
  role: 'user' | 'assistant';
  /** The user message an assistant message answers. */
  parentID?: string;
  /** `true` on a compaction summary (assistant); an object of diffs on user messages. */
  summary?: boolean | Record<string, unknown>;
  finish?: string;
  error?: unknown;
  [key: string]: unknown;
}

export interface CompactionPart {
  id: string;
  type: 'compaction';
  auto: boolean;
  overflow?: boolean;
  /** First message kept verbatim after the summary. */
  tail_start_id?: string;
}

export interface ToolPartTime {
  start: number;
  end: number;
  /** Set when pruning cleared this output. */
  compacted?: number;
}

export type ToolState =
  | { status: 'pending'; input?: unknown; [key: string]: unknown }
  | { status: 'running'; input?: unknown; [key: string]: unknown }
  | { status: 'completed'; input?: unknown; output: string; time: ToolPartTime; [key: string]: unknown }
  | { status: 'error'; input?: unknown; error: string; [key: string]: unknown };

export interface ToolPart {
  id: string;
  type: 'tool';
  tool: string;
  callID?: string;
  state: ToolState;
}

export interface OtherPart {
  id: string;
  type:
    'text' | 'reasoning' | 'file' | 'agent' | 'subtask' | 'step-start' | 'step-finish' | 'patch' | 'snapshot' | 'retry';
  [key: string]: unknown;
}

export type MessagePart = CompactionPart | ToolPart | OtherPart;

export interface MessageWithParts {
  info: MessageInfo;
  parts: MessagePart[];
}

export function compactionPartOf(message: MessageWithParts): CompactionPart | undefined {
  return message.parts.find((part): part is CompactionPart => part.type === 'compaction');
}

/** A user message that asks for (or recorded) a compaction. */
export function isCompactionRequest(message: MessageWithParts): boolean {
  return message.info.role === 'user' && compactionPartOf(message) !== undefined;
}

/** An assistant message produced by the compaction agent. */
export function isSummaryMessage(message: MessageWithParts): boolean {
  return message.info.role === 'assistant' && message.info.summary === true;
}
