import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { agentGuardrails } from '../agent/agent.builtins';
import { AgentService } from '../agent/agent.service';
import { configRuleset } from '../config/config.merge';
import { ConfigService } from '../config/config.service';
import { merge } from '../permission/permission.rules';
import { ProjectService } from '../project/project.service';
import { ProviderService } from '../provider/provider.service';
import type { ToolInfoDto } from './dto/tool.dto';
import { ToolRegistry } from './tool.registry';

/** The experimental tool routes: what the registry holds, and what the default agent offers a model. */
@Injectable()
export class ToolCatalogue {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly projects: ProjectService,
    private readonly config: ConfigService,
    private readonly agents: AgentService,
    private readonly providers: ProviderService,
  ) {}

  ids(): string[] {
    return this.registry.ids();
  }

  async list(auth: AuthContext, directory: string | undefined, provider?: string, model?: string): Promise<ToolInfoDto[]> {
    const project = await this.projects.resolve(auth, directory);
    const config = await this.config.effective(auth, project.id);
    const fallback = await this.providers.defaultModelFor(auth.tenantId, config);
    const ref = provider && model ? { providerID: provider, modelID: model } : fallback;
    // Resolved like a prompt would be (catalogue, config, the school's keys), so the list is what the loop offers.
    const { info } = await this.providers.resolveFor(auth.tenantId, config, ref);
    const agent = await this.agents.get(auth, undefined, project.id);
    const ruleset = merge(agent.permission, configRuleset(config), agentGuardrails(agent.name));
    return this.registry.forAgent(ruleset, { modelID: info.apiId, toolCall: info.toolCall }).map((t) => ({ id: t.id, description: t.description, parameters: t.inputSchema }));
  }
}
