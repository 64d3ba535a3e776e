import { Inject, Injectable } from '@nestjs/common';
import path from 'node:path';
import { z } from 'zod';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import type { Ruleset } from '../permission/permission.rules';
import { disabledTools } from '../permission/permission.rules';
import { SandboxRunner } from '../sandbox/sandbox-runner.service';
import { fileTools } from '../workspace/file-tools';
import { defineTool, type DefinedTool } from './tool.define';
import { bashTool } from './tools/bash/bash.tool';
import { todoReadTool, todoWriteTool } from './tools/todo/todo.tool';
import { webfetchTool } from './tools/webfetch/webfetch.tool';
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
  return { id: defined.id, description: defined.description, inputSchema: defined.toJsonSchema(), execute: defined.execute.bind(defined) };
}

/** The built-in tools, and which of them an agent/model may see (OpenCode's registry, §10.1). */
@Injectable()
export class ToolRegistry {
  readonly sandbox: SandboxRunner;
  private readonly builtins: Map<string, RegisteredTool>;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.sandbox = new SandboxRunner({ mode: config.sandbox, stateDir: path.join(config.dataDir, 'sandbox') });
    const tools: (ToolDefinition | DefinedTool)[] = [
      ...fileTools(),
      bashTool({ runner: this.sandbox }),
      webfetchTool(),
      todoWriteTool as unknown as DefinedTool,
      todoReadTool as unknown as DefinedTool,
    ];
    this.builtins = new Map(tools.map((t) => [t.id, wrap(t)]));
  }

  ids(): string[] {
    return [...this.builtins.keys()].filter((id) => id !== 'invalid');
  }

  get(id: string): RegisteredTool | undefined {
    return this.builtins.get(id);
  }

  /** Tools offered to the model: minus those denied outright by the ruleset, minus model-specific swaps. */
  forAgent(ruleset: Ruleset, model: { modelID: string; toolCall: boolean }, extra: RegisteredTool[] = []): RegisteredTool[] {
    if (!model.toolCall) return [];
    const all = [...this.builtins.values(), ...extra].filter((t) => t.id !== 'invalid');
    const hidden = disabledTools(all.map((t) => t.id), ruleset);
    const usesPatch = /gpt-/.test(model.modelID) && !/oss|gpt-4/.test(model.modelID);
    return all.filter((t) => {
      if (hidden.has(t.id)) return false;
      if (usesPatch && (t.id === 'edit' || t.id === 'write' || t.id === 'multiedit')) return false;
      if (!usesPatch && t.id === 'apply_patch') return false;
      return true;
    });
  }
}
