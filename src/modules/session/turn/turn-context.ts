import type { AuthContext } from '../../../core/auth/auth-context';
import type { AgentInfo } from '../../agent/agent.builtins';
import type { Config } from '../../config/config.schema';
import type { LayeredRuleset } from '../../permission/permission.layers';
import type { ModelInfo, ModelRef } from '../../provider/provider.service';
import type { LanguageModel, StreamRequest } from '../../provider/provider.types';
import type { RegisteredTool } from '../../tool/tool.registry';
import type { SessionRow } from '../session.repository';
import type { JsonSchemaFormat } from '../structured/structured-output';

/** Why an LLM call is made; every call of the product has one (usage records carry it). */
export type TurnPurpose = 'loop' | 'compaction' | 'title' | 'subagent';

/** The model a turn runs on, resolved for the tenant (keys, catalogue, config), with the variant the request picked. */
export interface TurnModel {
  ref: ModelRef;
  variant?: string;
  info: ModelInfo;
  language: LanguageModel;
}

/**
 * What one LLM call is, decided in one place (TurnContextService): the agent, the model, the shaped request
 * (system prompt, history, tools, sampling, provider options, headers). How the call is made and metered is
 * not decided here (LlmTurn).
 */
export interface TurnCall {
  purpose: TurnPurpose;
  tenantId: string;
  session: SessionRow;
  agent: AgentInfo;
  model: TurnModel;
  request: StreamRequest;
}

/** One step of the agent loop: the call, plus the permission and the tools its tool calls run under. */
export interface TurnContext extends TurnCall {
  purpose: 'loop';
  auth: AuthContext;
  config: Config;
  permission: LayeredRuleset;
  /** Tools offered to the model (none on the last allowed step), plus `invalid` for calls to anything else. */
  tools: Map<string, RegisteredTool>;
  /** The agent's step limit is reached: this step must answer in text. */
  lastStep: boolean;
  /** The turn answers in JSON through the StructuredOutput tool (the prompt's `format`). */
  format?: JsonSchemaFormat;
}

/** The agent and model a new user turn is stored with (prompt, command, shell). */
export interface TurnChoice {
  agent: AgentInfo;
  model: ModelRef;
  variant?: string;
}
