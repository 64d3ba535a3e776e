import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../../core/auth/auth-context';
import { PluginTurn } from '../../plugin/plugin-turn';
import { ProjectService } from '../../project/project.service';
import { TurnContextService } from '../turn/turn-context.service';
import type { ToolInfoDto } from '../../tool/dto/tool.dto';
import { ToolRegistry } from '../../tool/tool.registry';

/** The experimental tool routes: what the registry holds, and what the default agent offers a model. */
@Injectable()
export class ToolCatalogue {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly projects: ProjectService,
    private readonly turns: TurnContextService,
    private readonly plugins: PluginTurn,
  ) {}

  /** The registry's tools, and the custom tools of the platform plugins the caller's school has on. */
  async ids(auth: AuthContext, directory: string | undefined): Promise<string[]> {
    if (!this.plugins.active) return this.registry.ids();
    const project = await this.projects.resolve(auth, directory);
    const scope = {
      tenantId: auth.tenantId,
      userId: auth.userId,
      projectId: project.id,
      directory: this.projects.worktree(project),
    };
    const custom = await this.plugins.customTools(scope, (id) => !!this.registry.get(id));
    return [...this.registry.ids(), ...custom.map((t) => t.id)];
  }

  async list(
    auth: AuthContext,
    directory: string | undefined,
    provider?: string,
    model?: string,
  ): Promise<ToolInfoDto[]> {
    const project = await this.projects.resolve(auth, directory);
    // Decided like a prompt's step would be (catalogue, config, the school's keys, the permission layers).
    const tools = await this.turns.previewTools(
      auth,
      project.id,
      provider && model ? { providerID: provider, modelID: model } : undefined,
    );
    return tools.map((t) => ({ id: t.id, description: t.description, parameters: t.inputSchema }));
  }
}
