// What a caller sends to start a turn (OpenCode's SessionPrompt input), shared by the routes, commands,
// subagents and the loop's hooks.

export interface PromptPartInput {
  type: 'text' | 'file' | 'agent' | 'subtask';
  id?: string;
  text?: string;
  synthetic?: boolean;
  ignored?: boolean;
  mime?: string;
  url?: string;
  filename?: string;
  source?: Record<string, unknown>;
  name?: string;
  prompt?: string;
  description?: string;
  agent?: string;
  model?: { providerID: string; modelID: string };
  command?: string;
  metadata?: Record<string, unknown>;
}

export interface PromptInput {
  parts: PromptPartInput[];
  messageID?: string;
  model?: { providerID: string; modelID: string };
  agent?: string;
  noReply?: boolean;
  system?: string;
  variant?: string;
  tools?: Record<string, boolean>;
  /** `json_schema`: the answer is JSON matching `schema`, stored as the assistant message's `structured`. */
  format?: { type: 'text' | 'json_schema'; schema?: Record<string, unknown>; retryCount?: number };
  /** Internal (never from HTTP): the task tool delegating to a subagent of this parent agent. */
  subagentOf?: string;
}
