import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import type { LayeredRuleset } from '../permission/permission.layers';
import type { ToolServices } from '../tool/tool.types';
import type { PromptInput } from './prompt/prompt-input';
import type { SessionRow } from './session.repository';
import type { AssistantMessageInfo, MessageWithParts } from './session.types';

export interface StepUsage {
  auth: AuthContext;
  session: SessionRow;
  assistant: AssistantMessageInfo;
  /** The step-finish part id (unique per step: idempotent usage records). */
  partId: string;
  providerID: string;
  modelID: string;
  /** Exact decimal dollars. */
  cost: string;
  tokens: { input: number; output: number; reasoning: number; cacheRead: number; cacheWrite: number };
}

/** What the system and extra-tool hooks of a step see: the permission is the step's, decided by the TurnContext. */
export interface StepScope {
  auth: AuthContext;
  session: SessionRow;
  agent: string;
  permission: LayeredRuleset;
}

export interface ToolScope {
  auth: AuthContext;
  session: SessionRow;
  messageId: string;
  agent: string;
  abort: AbortSignal;
}

/**
 * Extension points of the session loop, registered by other modules at init (budgets, usage records,
 * compaction, question/task services), so those modules never edit the loop itself.
 */
@Injectable()
export class SessionHooks {
  /** Before a prompt is stored; throw a DomainError (e.g. 429 budget) to refuse it. */
  readonly beforePrompt: ((auth: AuthContext, session: SessionRow, input: PromptInput) => Promise<void>)[] = [];
  /** After each step's usage is known (cost accounting, usage records). */
  readonly afterStep: ((usage: StepUsage) => Promise<void>)[] = [];
  /** After the loop ends (prune, summaries). Errors are logged, never thrown to the caller. */
  readonly afterLoop: ((auth: AuthContext, session: SessionRow) => Promise<void>)[] = [];
  /**
   * A step the provider refused as too large for the context. Return true once a compaction was requested: the
   * loop then goes on (and runs it) instead of ending the turn with a ContextOverflowError.
   */
  readonly overflow: ((auth: AuthContext, session: SessionRow, assistant: AssistantMessageInfo) => Promise<boolean>)[] =
    [];
  /** Rewrites the history the model sees (compaction: start at the last summary). */
  readonly history: ((history: MessageWithParts[]) => MessageWithParts[])[] = [];
  /** Extra services for tools (questions, subagents, ...), merged into ToolContext.services. */
  readonly toolServices: ((scope: ToolScope) => Partial<ToolServices>)[] = [];
  /**
   * Before each step, with the full stored history. Return true to make the loop reload the history (e.g. after
   * a compaction job replaced it) before going on.
   */
  readonly beforeStep: ((
    auth: AuthContext,
    session: SessionRow,
    history: MessageWithParts[],
    signal: AbortSignal,
  ) => Promise<boolean | void>)[] = [];
  /** Extra system-prompt material: instruction files (AGENTS.md) and the skills list. */
  readonly system: ((
    scope: StepScope,
  ) => Promise<{ instructions?: { path: string; content: string }[]; skills?: string }>)[] = [];
  /** The model's session-level extra tools (MCP servers, ...). */
  readonly extraTools: ((scope: StepScope) => Promise<import('../tool/tool.registry').RegisteredTool[]>)[] = [];
}
