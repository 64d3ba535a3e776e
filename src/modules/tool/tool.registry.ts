import { Inject, Injectable } from '@nestjs/common';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { egressGuard } from '../../core/net/egress';
import { hiddenTools, type LayeredRuleset } from '../permission/permission.layers';
import { SandboxPolicy } from '../sandbox/sandbox-policy.service';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { CodeIntelService } from '../lsp/code-intel.service';
import { LspService } from '../lsp/lsp.service';
import { withCodeIntel } from './code-intel.wrap';
import { fileTools } from './tools/file-tools';
import { defineTool, type DefinedTool } from './tool.define';
import { batchTool } from './tools/batch/batch.tool';
import { bashTool } from './tools/bash/bash.tool';
import { codesearchTool } from './tools/codesearch/codesearch.tool';
import { lspTool } from './tools/lsp/lsp.tool';
import { planEnterTool, planExitTool } from './tools/plan/plan.tool';
import { questionTool } from './tools/question/question.tool';
import { skillTool } from './tools/skill/skill.tool';
import { taskTool } from './tools/task/task.tool';
import { todoReadTool, todoWriteTool } from './tools/todo/todo.tool';
import { webfetchTool } from './tools/webfetch/webfetch.tool';
import { websearchTool } from './tools/websearch/websearch.tool';
import type { SearchBackendOptions } from './tools/websearch/search-backends';
import type { ToolDefinition } from './tool.types';

export interface RegisteredTool {
  id: string;
  description: string;
  /** JSON Schema sent to the model. */
  inputSchema: Record<string, unknown>;
  execute: ToolDefinition['execute'];
}

function wrap(def: ToolDefinition | DefinedTool): RegisteredTool {
  const defined = 'toJsonSchema' in def ? def : defineTool(def as ToolDefinition<z.ZodType>);
  return {
    id: defined.id,
    description: defined.description,
    inputSchema: defined.toJsonSchema(),
    execute: defined.execute.bind(defined),
  };
}

/**
 * Registered but not offered to the model by forAgent: `lsp` unless LSP_TOOL is on (OpenCode offers it only
 * with OPENCODE_EXPERIMENTAL_LSP_TOOL) and `batch` (offered per step when config `experimental.batch_tool` is
 * on, built with the agent's visible tools; see BatchToolHook).
 */
const NOT_OFFERED = new Set(['invalid', 'lsp', 'batch']);

/** The built-in tools, and which of them an agent/model may see (OpenCode's registry, §10.1). */
@Injectable()
export class ToolRegistry {
  private readonly builtins: Map<string, RegisteredTool>;
  private readonly notOffered: Set<string>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    sandbox: SandboxRunner,
    policy: SandboxPolicy,
    lsp: LspService,
    intel: CodeIntelService,
  ) {
    this.notOffered = new Set([...NOT_OFFERED].filter((id) => id !== 'lsp' || !config.lspTool));
    // Web and code search: Exa's API with EXA_API_KEY, else DuckDuckGo's keyless HTML results; the platform turns
    // both off with WEB_SEARCH=off, a school with a `websearch`/`codesearch` deny rule.
    const exaKey = config.providerEnv.EXA_API_KEY;
    const search: SearchBackendOptions | undefined =
      config.webSearch === 'off'
        ? undefined
        : exaKey
          ? {
              exa: {
                apiKey: exaKey,
                ...(config.providerEnv.EXA_BASE_URL ? { baseUrl: config.providerEnv.EXA_BASE_URL } : {}),
              },
            }
          : {};
    const tools: (ToolDefinition | DefinedTool)[] = [
      // edit, write, multiedit and apply_patch: formatted and checked by the language servers after each change.
      ...fileTools().map((tool) => withCodeIntel(tool, intel)),
      // Network per the school's `bashNetwork` setting, read at each call so a change applies at once.
      bashTool({
        runner: sandbox,
        defaults: {
          network: (ctx) => policy.forTenant(ctx.auth.tenantId, 'bash').then((t) => t.network),
          identity: (ctx) => policy.identity(ctx.auth.tenantId),
        },
      }),
      webfetchTool({ guard: egressGuard(config.egressAllow).options }),
      todoWriteTool as unknown as DefinedTool,
      todoReadTool as unknown as DefinedTool,
      questionTool as unknown as DefinedTool,
      taskTool as unknown as DefinedTool,
      skillTool as unknown as DefinedTool,
      planEnterTool as unknown as DefinedTool,
      planExitTool as unknown as DefinedTool,
      lspTool({ lsp }) as unknown as DefinedTool,
      ...(search ? [websearchTool(search), codesearchTool(search)] : []),
    ];
    this.builtins = new Map(tools.map((t) => [t.id, wrap(t)]));
    this.builtins.set(
      'batch',
      this.batch(() => true),
    );
  }

  ids(): string[] {
    return [...this.builtins.keys()].filter((id) => id !== 'invalid');
  }

  get(id: string): RegisteredTool | undefined {
    return this.builtins.get(id);
  }

  /** A batch tool that may call the built-in tools `visible` lets through. */
  batch(visible: (id: string) => boolean): RegisteredTool {
    return wrap(
      batchTool({ lookup: (id) => (visible(id) ? this.builtins.get(id) : undefined) }) as unknown as DefinedTool,
    );
  }

  /** Tools offered to the model: minus those a layer denies outright, minus model-specific swaps. */
  forAgent(
    ruleset: LayeredRuleset,
    model: { modelID: string; toolCall: boolean },
    extra: RegisteredTool[] = [],
  ): RegisteredTool[] {
    if (!model.toolCall) return [];
    const builtins = [...this.builtins.values()].filter((t) => !this.notOffered.has(t.id));
    const all = [...builtins, ...extra.filter((t) => t.id !== 'invalid')];
    const hidden = hiddenTools(
      all.map((t) => t.id),
      ruleset,
    );
    const usesPatch = /gpt-/.test(model.modelID) && !/oss|gpt-4/.test(model.modelID);
    return all.filter((t) => {
      if (hidden.has(t.id)) return false;
      if (usesPatch && (t.id === 'edit' || t.id === 'write' || t.id === 'multiedit')) return false;
      if (!usesPatch && t.id === 'apply_patch') return false;
      return true;
    });
  }
}
