import { Inject, Injectable } from '@nestjs/common';
import { systemAuth, type AuthContext } from '../../../core/auth/auth-context';
import { agentRefusedBy, lockedBy, modelRefusedBy, sameModel, type UserAccess } from '../../access/access.policy';
import {
  AgentLockedError,
  AgentNotAllowedError,
  ModelLockedError,
  ModelNotAllowedError,
} from '../../access/access.errors';
import { AccessService } from '../../access/access.service';
import { builtinAgents, subagentSessionRules, type AgentInfo } from '../../agent/agent.builtins';
import { MAX_STEPS_REMINDER } from '../../agent/prompt/reminders.prompt';
import { TITLE_REQUEST } from '../../agent/prompt/title.prompt';
import { AgentService } from '../../agent/agent.service';
import type { Config } from '../../config/config.schema';
import { ConfigService } from '../../config/config.service';
import type { LayeredRuleset } from '../../permission/permission.layers';
import type { Ruleset } from '../../permission/permission.rules';
import { dropUnsupportedMedia, shapeRequest } from '../../provider/request-shaping';
import { PluginTurn } from '../../plugin/plugin-turn';
import { ProviderService, type ModelRef, type ResolvedModel } from '../../provider/provider.service';
import type { ModelMessage, StreamRequest, ToolSpec } from '../../provider/provider.types';
import { ToolRegistry, type RegisteredTool } from '../../tool/tool.registry';
import { MessageRepository } from '../message.repository';
import type { SessionRow } from '../session.repository';
import * as port from '../session-extension.port';
import type { MessageWithParts, UserMessageInfo } from '../session.types';
import { toModelMessages } from '../prompt/model-messages';
import { withReminders } from '../prompt/reminders';
import { jsonSchemaFormat, withStructuredOutput } from '../structured/structured-output';
import type { TurnCall, TurnChoice, TurnContext, TurnModel } from './turn-context';
import { permissionLayers } from './turn-permission';
import { stepSystem } from './turn-system';

const DEFAULT_STEPS = 50;
const TITLE_MAX_OUTPUT = 100;

export interface ChooseInput {
  agent?: string;
  model?: ModelRef;
  variant?: string;
  /** Set only by the task tool: a subagent the parent's `task` rules let it delegate to (allow-lists cover primaries). */
  subagentOf?: string;
}

const storedModel = (row: SessionRow): ModelRef | undefined => {
  const m = row.model as { providerID?: string; id?: string } | null;
  return m?.providerID && m.id ? { providerID: m.providerID, modelID: m.id } : undefined;
};

/**
 * The one place that decides what a step is: the agent, the model (variant and request shaping included), the
 * permission layers, the tools, the system prompt and the history. The loop, compaction, titles, subagents,
 * `/shell` and command shell spans ask it; none of them decides any of these on its own (STYLE rule 21).
 */
@Injectable()
export class TurnContextService {
  constructor(
    private readonly agents: AgentService,
    private readonly config: ConfigService,
    private readonly providers: ProviderService,
    private readonly tools: ToolRegistry,
    private readonly access: AccessService,
    private readonly messages: MessageRepository,
    private readonly plugins: PluginTurn,
    @Inject(port.SYSTEM_SOURCES) private readonly systemSources: readonly port.SystemSource[],
    @Inject(port.EXTRA_TOOL_SOURCES) private readonly toolSources: readonly port.ExtraToolSource[],
    @Inject(port.HISTORY_VIEWS) private readonly historyViews: readonly port.HistoryView[],
  ) {}

  /**
   * The agent and model a new user turn is stored with — prompts, commands, `/shell`, `/summarize` and task
   * delegations all ask here. A choice a policy's allow-lists refuse is a 403; where the user may not change
   * (`allow_change: false`) any other than the default is a 403 (the default itself, which OpenCode's clients send
   * with every prompt, passes). Without a choice: OpenCode's order (the agent's model, the session's, the last
   * turn's), then the policy's default, the configured one, the first the lists allow; when locked, the defaults.
   */
  async choose(auth: AuthContext, row: SessionRow, input: ChooseInput): Promise<TurnChoice> {
    const access = await this.access.forUser(auth, row.projectId);
    // A task delegation follows the parent agent's `task` rules: the user did not pick it, the lock is not asked.
    const lock = input.subagentOf ? undefined : lockedBy(access)?.source;
    const agent = await this.chooseAgent(auth, row, input, access, lock);
    const variant = input.variant ? { variant: input.variant } : {};
    if (input.model) {
      const refused = modelRefusedBy(access, input.model);
      if (refused) throw new ModelNotAllowedError(input.model, refused.source);
    }
    const config = () => this.config.effective(auth, row.projectId);
    if (lock) {
      const model = await this.providers.defaultFor(auth.tenantId, await config(), access, agent.model);
      if (input.model && !sameModel(input.model, model))
        throw new ModelLockedError(input.model, `${model.providerID}/${model.modelID}`, lock);
      return { agent, model, ...variant };
    }
    if (input.model) return { agent, model: input.model, ...variant };
    // The last turn's model is read only when neither the agent's nor the session's stored one is allowed.
    const usable = (m: ModelRef | undefined): m is ModelRef => !!m && !modelRefusedBy(access, m);
    let model = [agent.model, storedModel(row)].find(usable);
    if (!model) {
      const last = await this.lastUserModel(row);
      if (usable(last)) model = last;
    }
    model ??= await this.providers.defaultFor(auth.tenantId, await config(), access);
    return { agent, model, ...variant };
  }

  private async chooseAgent(
    auth: AuthContext,
    row: SessionRow,
    input: ChooseInput,
    access: UserAccess,
    lock: string | undefined,
  ): Promise<AgentInfo> {
    if (lock) {
      // The session's stored agent (POST /session, a fork, an earlier turn) is the user's pick too: not asked.
      const only = await this.agents.defaultFor(auth, row.projectId, access);
      if (input.agent && input.agent !== only.name) throw new AgentLockedError(input.agent, only.name, lock);
      return only;
    }
    if (input.agent) {
      const agent = await this.agents.get(auth, input.agent, row.projectId);
      const refused = input.subagentOf && agent.mode !== 'primary' ? undefined : agentRefusedBy(access, agent.name);
      if (refused) throw new AgentNotAllowedError(agent.name, refused.source);
      return agent;
    }
    const stored = row.agent ? await this.agents.get(auth, row.agent, row.projectId).catch(() => undefined) : undefined;
    if (stored && !agentRefusedBy(access, stored.name)) return stored;
    return this.agents.defaultFor(auth, row.projectId, access);
  }

  /** The permission layers a session's commands run under for this agent (loop steps, `/shell`, command shell spans). */
  async permission(
    auth: AuthContext,
    row: Pick<SessionRow, 'tenantId' | 'projectId' | 'permission'>,
    agent: string,
  ): Promise<LayeredRuleset> {
    const [school, project, access] = await Promise.all([
      this.config.cachedTenantLayer(row.tenantId),
      this.config.cachedProjectLayer(row.tenantId, row.projectId),
      this.access.forUser(auth, row.projectId),
    ]);
    return permissionLayers({
      agent,
      role: auth.role,
      platform: this.config.platform(),
      plugins: this.config.pluginLayers(),
      school,
      classes: access.classRules,
      project,
      session: (row.permission as Ruleset | null) ?? [],
    });
  }

  /** One step of the agent loop for the session's last user message. Throws when the turn cannot run (model, access). */
  async forStep(
    auth: AuthContext,
    row: SessionRow,
    step: number,
    history: MessageWithParts[],
    user: UserMessageInfo,
  ): Promise<TurnContext> {
    const [config, agent, access] = await Promise.all([
      this.config.effective(auth, row.projectId),
      this.agents.get(auth, user.agent, row.projectId),
      this.access.forUser(auth, row.projectId),
    ]);
    // Re-checked every step: a school that narrows its lists stops running turns at once, not at the next prompt.
    const refusedAgent = row.parentId && agent.mode !== 'primary' ? undefined : agentRefusedBy(access, agent.name);
    if (refusedAgent) throw new AgentNotAllowedError(agent.name, refusedAgent.source);
    const ref = { providerID: user.model.providerID, modelID: user.model.modelID };
    const refusedModel = modelRefusedBy(access, ref);
    if (refusedModel) throw new ModelNotAllowedError(ref, refusedModel.source);
    const resolved = await this.providers.resolveFor(row.tenantId, config, ref);
    const model: TurnModel = {
      ref,
      info: resolved.info,
      language: resolved.language,
      ...((user.model.variant ?? agent.variant) ? { variant: user.model.variant ?? agent.variant } : {}),
    };

    const lastStep = step >= (agent.steps ?? DEFAULT_STEPS);
    const permission = await this.permission(auth, row, agent.name);
    const scope = { auth, session: row, agent: agent.name, permission };
    // Platform plugins run as the caller, in this project (their custom tools, hooks and `client`).
    const plugin = { tenantId: row.tenantId, userId: auth.userId, projectId: row.projectId, directory: row.directory };
    const about = { sessionID: row.id, agent: agent.name, model: resolved.info, message: user };
    const [extraTools, extras] = await Promise.all([
      lastStep
        ? []
        : Promise.all([
            ...this.toolSources.map((source) => source.toolsFor(scope)),
            this.plugins.customTools(plugin, (id) => !!this.tools.get(id)),
          ]),
      Promise.all(this.systemSources.map((source) => source.systemFor(scope))),
    ]);
    const offered = lastStep
      ? []
      : this.tools.forAgent(
          permission,
          { modelID: resolved.info.apiId, toolCall: resolved.info.toolCall },
          extraTools.flat(),
        );
    const tools = new Map<string, RegisteredTool>(this.plugins.hook(plugin, row.id, offered).map((t) => [t.id, t]));
    const invalid = this.tools.get('invalid');
    if (invalid) tools.set('invalid', invalid);

    const built = stepSystem(extras, agent, ref, row, user);
    const [system, visible] = await Promise.all([
      this.plugins.system(plugin, about, built),
      this.plugins.messages(
        plugin,
        this.historyViews.reduce((h, view) => view.visible(h), history),
      ),
    ]);
    const messages = dropUnsupportedMedia(
      toModelMessages(withReminders(visible, { agent: agent.name, step }), ref),
      resolved.api,
    );
    if (lastStep) messages.push({ role: 'assistant', content: [{ type: 'text', text: MAX_STEPS_REMINDER }] });
    const specs: ToolSpec[] = offered.map((t) => ({
      name: t.id,
      description: t.description,
      inputSchema: t.inputSchema,
    }));
    const request = this.request(row, agent, model, resolved, { system, messages, tools: specs }, user.id);
    await this.plugins.chatParams(plugin, about, request);
    // A json_schema `format`: the answer comes through a StructuredOutput tool the model must call.
    const format = jsonSchemaFormat(user.format);
    if (format) withStructuredOutput(format, tools, request);
    const base = { purpose: 'loop' as const, auth, tenantId: row.tenantId, session: row, config, agent, model };
    return { ...base, permission, tools, lastStep, request, ...(format ? { format } : {}) };
  }

  /** What the default agent would offer a model in this project (`GET /experimental/tool`): the loop's own choice. */
  async previewTools(auth: AuthContext, projectId: string, ref?: ModelRef): Promise<RegisteredTool[]> {
    const [config, agent] = await Promise.all([
      this.config.effective(auth, projectId),
      this.agents.get(auth, undefined, projectId),
    ]);
    const model = ref ?? (await this.providers.defaultModelFor(auth.tenantId, config));
    const [{ info }, permission] = await Promise.all([
      this.providers.resolveFor(auth.tenantId, config, model),
      this.permission(auth, { tenantId: auth.tenantId, projectId, permission: null }, agent.name),
    ]);
    return this.tools.forAgent(permission, { modelID: info.apiId, toolCall: info.toolCall });
  }

  /** The summary turn of a compaction request: the `compaction` agent, its model or the turn's. Compaction picks the history. */
  async forCompaction(row: SessionRow, user: UserMessageInfo): Promise<TurnCall & { config: Config }> {
    const auth = systemAuth(row.tenantId, row.userId ?? 'system');
    const [config, agent] = await Promise.all([
      this.config.effective(auth, row.projectId),
      this.agents.get(auth, 'compaction', row.projectId),
    ]);
    const ref = agent.model ?? { providerID: user.model.providerID, modelID: user.model.modelID };
    const resolved = await this.providers.resolveFor(row.tenantId, config, ref);
    const model: TurnModel = { ref, info: resolved.info, language: resolved.language };
    return {
      purpose: 'compaction',
      tenantId: row.tenantId,
      session: row,
      config,
      agent,
      model,
      request: this.request(row, agent, model, resolved, {
        system: agent.prompt ? [agent.prompt] : [],
        messages: [],
        tools: [],
      }),
    };
  }

  /** A session title from its first message: the small model (config `small_model`, else the provider's cheap one). */
  async forTitle(row: SessionRow, user: UserMessageInfo, text: string): Promise<TurnCall> {
    const auth = systemAuth(row.tenantId, row.userId ?? 'system');
    const config = await this.config.effective(auth, row.projectId);
    const agent =
      (await this.agents.list(auth, row.projectId)).find((a) => a.name === 'title') ??
      builtinAgents().find((a) => a.name === 'title')!;
    const ref = await this.providers.smallModelFor(row.tenantId, config, {
      providerID: user.model.providerID,
      modelID: user.model.modelID,
    });
    const resolved = await this.providers.resolveFor(row.tenantId, config, ref);
    const model: TurnModel = { ref, info: resolved.info, language: resolved.language };
    const messages: ModelMessage[] = [{ role: 'user', content: [{ type: 'text', text: `${TITLE_REQUEST}\n${text}` }] }];
    const request = this.request(row, agent, model, resolved, {
      system: agent.prompt ? [agent.prompt] : [],
      messages,
      tools: [],
    });
    return {
      purpose: 'title',
      tenantId: row.tenantId,
      session: row,
      agent,
      model,
      request: { ...request, maxOutputTokens: TITLE_MAX_OUTPUT },
    };
  }

  /**
   * A task-tool delegation: the subagent, the model it runs on (its own if the allow-lists let the user use it,
   * else the parent session's) and the child session's rules (it never escapes the parent's limits).
   */
  async forSubagent(
    auth: AuthContext,
    row: SessionRow,
    parentAgent: string,
    subagent: AgentInfo,
  ): Promise<{ agent: AgentInfo; model?: ModelRef; sessionRules: Ruleset }> {
    const [parent, access] = await Promise.all([
      this.agents.get(auth, parentAgent, row.projectId),
      this.access.forUser(auth, row.projectId),
    ]);
    const own = subagent.model && !modelRefusedBy(access, subagent.model) ? subagent.model : undefined;
    return {
      agent: subagent,
      model: own ?? storedModel(row),
      sessionRules: subagentSessionRules(parent, (row.permission as Ruleset | null) ?? [], subagent),
    };
  }

  private request(
    row: SessionRow,
    agent: AgentInfo,
    model: TurnModel,
    resolved: ResolvedModel,
    body: Pick<StreamRequest, 'system' | 'messages' | 'tools'>,
    requestId?: string,
  ): StreamRequest {
    const shaped = shapeRequest({
      model: resolved.api,
      sessionId: row.id,
      ...(row.parentId ? { parentSessionId: row.parentId } : {}),
      projectId: row.projectId,
      ...(requestId ? { requestId } : {}),
      agent: { temperature: agent.temperature, topP: agent.topP, options: agent.options },
      ...(model.variant ? { variant: model.variant } : {}),
    });
    return { modelId: resolved.info.apiId, ...body, ...shaped };
  }

  private async lastUserModel(row: SessionRow): Promise<ModelRef | undefined> {
    const { items } = await this.messages.list(row.tenantId, row.id, { limit: 5 });
    const user = [...items].reverse().find((m) => m.info.role === 'user')?.info as UserMessageInfo | undefined;
    return user?.model ? { providerID: user.model.providerID, modelID: user.model.modelID } : undefined;
  }
}
