// OpenCode's session, message and part shapes (reference §4; openapi Session, UserMessage, AssistantMessage, Part).

export interface TokenInfo {
  total?: number;
  input: number;
  output: number;
  reasoning: number;
  cache: { read: number; write: number };
}

export interface SessionInfo {
  id: string;
  slug: string;
  projectID: string;
  workspaceID?: string;
  directory: string;
  path?: string;
  parentID?: string;
  title: string;
  version: string;
  agent?: string;
  model?: { id: string; providerID: string; variant?: string };
  summary?: { additions: number; deletions: number; files: number };
  cost: number;
  tokens: TokenInfo;
  share?: { url: string };
  permission?: { permission: string; pattern: string; action: 'allow' | 'deny' | 'ask' }[];
  revert?: { messageID: string; partID?: string; snapshot?: string; diff?: string };
  metadata?: Record<string, unknown>;
  time: { created: number; updated: number; compacting?: number; archived?: number };
}

export interface MessageError {
  name: string;
  data: Record<string, unknown>;
}

export interface UserMessageInfo {
  id: string;
  sessionID: string;
  role: 'user';
  time: { created: number };
  agent: string;
  model: { providerID: string; modelID: string; variant?: string };
  summary?: { title?: string; body?: string; diffs: unknown[] };
  system?: string;
  tools?: Record<string, boolean>;
  format?: unknown;
}

export interface AssistantMessageInfo {
  id: string;
  sessionID: string;
  role: 'assistant';
  parentID: string;
  time: { created: number; completed?: number };
  modelID: string;
  providerID: string;
  mode: string;
  agent: string;
  variant?: string;
  path: { cwd: string; root: string };
  summary?: boolean;
  cost: number;
  tokens: TokenInfo;
  finish?: string;
  error?: MessageError;
  structured?: unknown;
}

export type MessageInfo = UserMessageInfo | AssistantMessageInfo;

export type ToolState =
  | { status: 'pending'; input: Record<string, unknown>; raw: string }
  | {
      status: 'running';
      input: Record<string, unknown>;
      title?: string;
      metadata?: Record<string, unknown>;
      time: { start: number };
    }
  | {
      status: 'completed';
      input: Record<string, unknown>;
      output: string;
      title: string;
      metadata: Record<string, unknown>;
      time: { start: number; end: number; compacted?: number };
      attachments?: PartInfo[];
    }
  | {
      status: 'error';
      input: Record<string, unknown>;
      error: string;
      metadata?: Record<string, unknown>;
      time: { start: number; end: number };
    };

interface PartBase {
  id: string;
  sessionID: string;
  messageID: string;
}

export type PartInfo = PartBase &
  (
    | {
        type: 'text';
        text: string;
        synthetic?: boolean;
        ignored?: boolean;
        time?: { start: number; end?: number };
        metadata?: Record<string, unknown>;
      }
    | { type: 'reasoning'; text: string; time: { start: number; end?: number }; metadata?: Record<string, unknown> }
    | { type: 'file'; mime: string; url: string; filename?: string; source?: Record<string, unknown> }
    | { type: 'agent'; name: string; source?: { value: string; start: number; end: number } }
    | {
        type: 'subtask';
        prompt: string;
        description: string;
        agent: string;
        model?: { providerID: string; modelID: string };
        command?: string;
      }
    | { type: 'tool'; callID: string; tool: string; state: ToolState; metadata?: Record<string, unknown> }
    | { type: 'step-start'; snapshot?: string }
    | { type: 'step-finish'; reason: string; snapshot?: string; cost: number; tokens: TokenInfo }
    | { type: 'patch'; hash: string; files: string[] }
    | { type: 'compaction'; auto: boolean; overflow?: boolean; tail_start_id?: string }
    | { type: 'retry'; attempt: number; error: MessageError; time: { created: number } }
    | { type: 'snapshot'; snapshot: string }
  );

export type PartType = PartInfo['type'];

export interface MessageWithParts {
  info: MessageInfo;
  parts: PartInfo[];
}

export type SessionStatus =
  { type: 'idle' } | { type: 'busy' } | { type: 'retry'; attempt: number; message: string; next: number };

export const emptyTokens = (): TokenInfo => ({ input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } });
