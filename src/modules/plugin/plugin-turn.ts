import { Injectable } from '@nestjs/common';
import type { ModelInfo } from '../provider/provider.service';
import type { StreamRequest } from '../provider/provider.types';
import type { RegisteredTool } from '../tool/tool.registry';
import { PluginHost } from './plugin-host.service';
import type { PluginScope } from './plugin.types';

/** OpenCode's `chat.params` output: what a plugin may change in the request of a step. */
interface ChatParams {
  temperature: number | undefined;
  topP: number | undefined;
  topK: number | undefined;
  maxOutputTokens: number | undefined;
  options: Record<string, unknown>;
}

/**
 * The hooks of a turn, in the shapes the session loop holds: the TurnContext calls `chatParams` and `tools` when it
 * decides a step, the prompt intake calls `chatMessage` before the user turn is stored, the permission port calls
 * `permissionAsk`. Without platform plugins each is a no-op that allocates nothing.
 */
@Injectable()
export class PluginTurn {
  constructor(private readonly host: PluginHost) {}

  get active(): boolean {
    return this.host.names().length > 0;
  }

  /** `chat.message`: the user turn (message and parts) before it is stored; plugins may change it. */
  async chatMessage(
    scope: PluginScope,
    input: { sessionID: string; agent: string; model: { providerID: string; modelID: string }; messageID: string },
    output: { message: unknown; parts: unknown[] },
  ): Promise<void> {
    if (this.active) await this.host.trigger(scope, 'chat.message', input, output);
  }

  /** `chat.params`: sampling, output limit and provider options of the step's request. */
  async chatParams(
    scope: PluginScope,
    input: { sessionID: string; agent: string; model: ModelInfo; message: unknown },
    request: StreamRequest,
  ): Promise<void> {
    if (!this.active) return;
    const output: ChatParams = {
      temperature: request.temperature,
      topP: request.topP,
      topK: request.topK,
      maxOutputTokens: request.maxOutputTokens,
      options: { ...(request.providerOptions ?? {}) },
    };
    const provider = { source: 'config', info: { id: input.model.providerID }, options: {} };
    await this.host.trigger(scope, 'chat.params', { ...input, provider }, output);
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    for (const key of ['temperature', 'topP', 'topK', 'maxOutputTokens'] as const) {
      const value = num(output[key]);
      if (value === undefined) delete request[key];
      else request[key] = value;
    }
    if (output.options && typeof output.options === 'object') request.providerOptions = output.options;
  }

  /** `experimental.chat.system.transform`: the system prompt of a step. */
  async system(
    scope: PluginScope,
    about: { sessionID: string; model: ModelInfo },
    system: string[],
  ): Promise<string[]> {
    if (!this.active) return system;
    const output = { system: [...system] };
    const input = { sessionID: about.sessionID, model: about.model };
    await this.host.trigger(scope, 'experimental.chat.system.transform', input, output);
    return Array.isArray(output.system) ? output.system.filter((s) => typeof s === 'string') : system;
  }

  /** `experimental.chat.messages.transform`: the history the model sees (a copy; what is stored is untouched). */
  async messages<M>(scope: PluginScope, history: M[]): Promise<M[]> {
    if (!this.active) return history;
    const output = { messages: structuredClone(history) };
    await this.host.trigger(scope, 'experimental.chat.messages.transform', {}, output);
    return Array.isArray(output.messages) ? output.messages : history;
  }

  /** The custom tools of the school's plugins (a built-in's name is never taken over). */
  customTools(scope: PluginScope, builtin: (id: string) => boolean): Promise<RegisteredTool[]> {
    return this.active ? this.host.tools(scope, builtin) : Promise.resolve([]);
  }

  /** The step's tools with `tool.execute.before` / `tool.execute.after` around each call. */
  hook(scope: PluginScope, sessionID: string, tools: RegisteredTool[]): RegisteredTool[] {
    if (!this.active) return tools;
    return tools.map((tool) => (tool.id === 'invalid' ? tool : this.hooked(scope, sessionID, tool)));
  }

  /** `permission.ask`: an ask the rules left open; plugins may answer allow or deny (never lift a deny). */
  async permissionAsk(scope: PluginScope, info: Record<string, unknown>): Promise<'ask' | 'allow' | 'deny'> {
    if (!this.active) return 'ask';
    const output = { status: 'ask' as 'ask' | 'allow' | 'deny' };
    await this.host.trigger(scope, 'permission.ask', info, output);
    return output.status === 'allow' || output.status === 'deny' ? output.status : 'ask';
  }

  private hooked(scope: PluginScope, sessionID: string, tool: RegisteredTool): RegisteredTool {
    return {
      ...tool,
      execute: async (input, ctx) => {
        const call = { tool: tool.id, sessionID, callID: ctx.callId };
        const args = await this.host.beforeTool(scope, call, input);
        const result = await tool.execute(args as typeof input, ctx);
        const output = { title: result.title, output: result.output, metadata: result.metadata };
        await this.host.trigger(scope, 'tool.execute.after', { ...call, args }, output);
        return { ...result, title: output.title, output: output.output, metadata: output.metadata };
      },
    };
  }
}
