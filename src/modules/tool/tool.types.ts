// The tool contract. Each tool lives in tool/tools/<name>/ and is built with defineTool() (tool.define.ts),
// which validates parameters, asks permission and truncates output once for all tools.
import type { z } from 'zod';
import type { AuthContext } from '../../core/auth/auth-context';
import type { PermissionAsk } from '../permission/permission.types';
import type { WorkspaceHandle } from '../workspace/workspace-handle';

export interface Attachment {
  mime: string;
  /** data: URL */
  url: string;
  filename?: string;
}

export interface ToolResult {
  title: string;
  output: string;
  metadata: Record<string, unknown>;
  attachments?: Attachment[];
}

export interface ToolContext {
  auth: AuthContext;
  sessionId: string;
  messageId: string;
  callId: string;
  agent: string;
  workspace: WorkspaceHandle;
  abort: AbortSignal;
  /** Resolves when allowed; throws PermissionDeniedError / PermissionRejectedError otherwise. */
  ask(request: PermissionAsk): Promise<void>;
  /** Live progress (e.g. streamed bash output) into the running tool part's metadata/title. */
  metadata(update: { title?: string; metadata?: Record<string, unknown> }): void;
  /** Session-side services some tools need (todos, questions, subagents); absent in plain unit tests. */
  services?: ToolServices;
  /** Extra values from the loop (model id, provider id, tool_output limits, ...). */
  extra?: Record<string, unknown>;
}

export interface ToolServices {
  setTodos?(todos: { content: string; status: string; priority: string }[]): Promise<void>;
  getTodos?(): Promise<{ content: string; status: string; priority: string }[]>;
  askQuestions?(questions: unknown[]): Promise<string[][]>;
  runSubagent?(input: {
    description: string;
    prompt: string;
    agent: string;
    taskId?: string;
  }): Promise<{ sessionId: string; text: string }>;
  runTool?(name: string, args: unknown): Promise<ToolResult>;
  /** A tool changed a file of the project (OpenCode's `file.edited` event). */
  fileEdited?(file: string): void;
}

export interface ToolDefinition<P extends z.ZodType = z.ZodType> {
  id: string;
  description: string;
  parameters: P;
  execute(args: z.infer<P>, ctx: ToolContext): Promise<ToolResult>;
}

/** Error whose message the model should see as the tool's error output. */
export class ToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolError';
  }
}
