// The session loop's extension points, as ports: each is an interface and a token declared here, by the consumer
// (the prompt intake, the loop, the TurnContext). The composition root (src/modules/ports.module.ts) binds every
// token to the list of its contributors, in order, so a contributor never edits the loop and the session module
// never imports the modules above it.
import type { AuthContext } from '../../core/auth/auth-context';
import type { LayeredRuleset } from '../permission/permission.layers';
import type { RegisteredTool } from '../tool/tool.registry';
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

/** What the system and extra-tool sources of a step see: the permission is the step's, decided by the TurnContext. */
export interface StepScope {
  auth: AuthContext;
  session: SessionRow;
  agent: string;
  permission: LayeredRuleset;
}

/** How a tool runs a prompt in another session of the tree (the task tool): the intake that started this loop. */
export interface PromptRunner {
  prompt(auth: AuthContext, sessionId: string, input: PromptInput): Promise<MessageWithParts>;
  abort(auth: AuthContext, sessionId: string): Promise<boolean>;
}

export interface ToolScope {
  auth: AuthContext;
  session: SessionRow;
  messageId: string;
  agent: string;
  abort: AbortSignal;
  /** Passed down the call, not injected: a tool that prompts runs the loop that runs the tool. */
  prompts: PromptRunner;
}

/** Before a prompt is stored, and at every route that makes LLM calls for a user: throw a DomainError to refuse. */
export const PROMPT_GUARDS = Symbol('PROMPT_GUARDS');
export interface PromptGuard {
  beforePrompt(auth: AuthContext, session: SessionRow, input: PromptInput): Promise<void>;
}

/**
 * Before each step, with the full stored history. True makes the loop reload the history (a compaction job
 * replaced it) before going on.
 */
export const STEP_PREPARERS = Symbol('STEP_PREPARERS');
export interface StepPreparer {
  beforeStep(
    auth: AuthContext,
    session: SessionRow,
    history: MessageWithParts[],
    signal: AbortSignal,
  ): Promise<boolean>;
}

/**
 * After each step whose usage is known. True when it added a turn to the transcript (a compaction request): the
 * loop then reads the history again instead of ending on the step's answer.
 */
export const STEP_OBSERVERS = Symbol('STEP_OBSERVERS');
export interface StepObserver {
  afterStep(usage: StepUsage): Promise<boolean | void>;
}

/**
 * A step the provider refused as too large for the context. True once a compaction was requested: the loop then
 * goes on (and runs it) instead of ending the turn with a ContextOverflowError.
 */
export const OVERFLOW_HANDLERS = Symbol('OVERFLOW_HANDLERS');
export interface OverflowHandler {
  onOverflow(auth: AuthContext, session: SessionRow, assistant: AssistantMessageInfo): Promise<boolean>;
}

/**
 * How a loop ended, for its finishers. `filesChanged` is false only when every step of the turns it answered
 * started and finished on the tree the session's last earlier step finished on (or no step took a snapshot): the
 * session's diff and its turns' diffs are then what they were.
 */
export interface LoopEnd {
  filesChanged: boolean;
}

/** After the loop ends (prune, summaries). Errors are logged, never thrown to the caller. */
export const LOOP_FINISHERS = Symbol('LOOP_FINISHERS');
export interface LoopFinisher {
  afterLoop(auth: AuthContext, session: SessionRow, end: LoopEnd): Promise<void>;
}

/** Rewrites the history the model sees (compaction: from the last summary on). */
export const HISTORY_VIEWS = Symbol('HISTORY_VIEWS');
export interface HistoryView {
  visible(history: MessageWithParts[]): MessageWithParts[];
}

/** Extra system-prompt material: instruction files (AGENTS.md), the skills list, a teacher's notes. */
export const SYSTEM_SOURCES = Symbol('SYSTEM_SOURCES');
export interface SystemMaterial {
  instructions?: { path: string; content: string }[];
  skills?: string;
}
export interface SystemSource {
  systemFor(scope: StepScope): Promise<SystemMaterial>;
}

/** A step's extra tools beside the registry's (MCP servers, batch). */
export const EXTRA_TOOL_SOURCES = Symbol('EXTRA_TOOL_SOURCES');
export interface ExtraToolSource {
  toolsFor(scope: StepScope): Promise<RegisteredTool[]>;
}

/** Services tools call back into (questions, subagents, skills, ...), merged into ToolContext.services. */
export const TOOL_SERVICE_SOURCES = Symbol('TOOL_SERVICE_SOURCES');
export interface ToolServiceSource {
  servicesFor(scope: ToolScope): Partial<ToolServices>;
}
