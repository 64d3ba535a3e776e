import type { ModelInfo } from '../../provider/provider.service';
import type { StepSnapshots } from '../../snapshot/snapshot.service';
import type { RegisteredTool } from '../../tool/tool.registry';
import type { ToolContext } from '../../tool/tool.types';
import type { AssistantMessageInfo, PartInfo, SessionStatus } from '../session.types';
import type { StepCall } from './subtask-call';

export type ToolPart = Extract<PartInfo, { type: 'tool' }>;
export type TextLike = Extract<PartInfo, { type: 'text' | 'reasoning' }>;

/** What the processor needs from the session layer (persistence, events, tool context). */
export interface StepSink {
  /**
   * Stores `part` and publishes it. `alsoStore`: parts already announced (published) whose rows ride along in
   * the same statement, so a step's first write carries its step-start.
   */
  savePart(part: PartInfo, alsoStore?: PartInfo[]): Promise<void>;
  removePart(part: PartInfo): Promise<void>;
  /**
   * Stores the text of parts still streaming (and announced parts waiting for their row) without publishing them.
   * The same part objects come back on each call with their text grown: a stored one sends only what was added.
   */
  storeText(parts: PartInfo[]): Promise<void>;
  /** Stores the message with the step's closing parts in one statement, then publishes the parts and the message. */
  saveMessage(info: AssistantMessageInfo, parts?: PartInfo[], alsoStore?: PartInfo[]): Promise<void>;
  /** Publishes a piece of a part's text; a promise when the next read must wait for it (an answer's first). */
  delta(part: TextLike, delta: string): Promise<void> | undefined;
  /** Publishes a part's state without storing it (a streaming part that a later savePart stores). */
  announce(part: PartInfo): void;
  status(status: SessionStatus): void;
  usage(
    cost: string,
    tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number },
    partId: string,
  ): Promise<void>;
  toolContext(part: ToolPart, signal: AbortSignal): ToolContext;
  /** The last tool calls of this session (for doom-loop detection). */
  recentToolCalls(): { tool: string; input: string }[];
  /** Workspace snapshots around the step; absent when snapshots are off for the project. */
  snapshots?: StepSnapshots;
}

export interface StepInput {
  assistant: AssistantMessageInfo;
  model: ModelInfo;
  /** A fresh metered call to the model for each attempt (LlmTurn), or the user's own subtask. */
  call: () => StepCall;
  tools: Map<string, RegisteredTool>;
  signal: AbortSignal;
  maxRetries: number;
  sink: StepSink;
}

/** `compact`: the provider refused the request as too large for the model's context (see `overflow`). */
export type StepOutcome = 'continue' | 'stop' | 'compact';

export class AbortedError extends Error {
  constructor() {
    super('The operation was aborted.');
    this.name = 'AbortError';
  }
}

/**
 * The signal's state as a flag its 'abort' event sets (dispatched as it is aborted): `signal.aborted` is a getter with
 * a receiver check, and a step reads it for every event of every stream. `off()` once the reading ended.
 */
export function abortFlag(signal: AbortSignal): { aborted: boolean; off: () => void } {
  const flag = { aborted: signal.aborted, off: () => signal.removeEventListener('abort', onAbort) };
  const onAbort = () => (flag.aborted = true);
  signal.addEventListener('abort', onAbort, { once: true });
  return flag;
}
