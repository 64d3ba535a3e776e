import { Module, OnModuleInit } from '@nestjs/common';
import { agentGuardrails } from '../../agent/agent.builtins';
import { AgentModule } from '../../agent/agent.module';
import { AgentService } from '../../agent/agent.service';
import { configRuleset } from '../../config/config.merge';
import { ConfigModule } from '../../config/config.module';
import { ConfigService } from '../../config/config.service';
import { disabledTools, merge, type Ruleset } from '../../permission/permission.rules';
import { SessionHooks } from '../session.hooks';
import { SessionModule } from '../session.module';
import { ToolModule } from '../../tool/tool.module';
import { ToolRegistry } from '../../tool/tool.registry';
import type { ToolServices } from '../../tool/tool.types';
import { PlanService, planFilePath } from './plan.service';
import type { PlanToolServices } from '../../tool/tools/plan/plan.tool';
import { TaskService } from './task.service';

/** Session-side back ends of the task, plan and batch tools, plugged into the loop through SessionHooks. */
@Module({ imports: [SessionModule, AgentModule, ConfigModule, ToolModule], providers: [TaskService, PlanService] })
export class AgentToolsModule implements OnModuleInit {
  constructor(
    private readonly tasks: TaskService,
    private readonly plans: PlanService,
    private readonly registry: ToolRegistry,
    private readonly agents: AgentService,
    private readonly config: ConfigService,
    private readonly hooks: SessionHooks,
  ) {}

  onModuleInit(): void {
    this.hooks.toolServices.push((scope) => {
      const services: Partial<ToolServices> & PlanToolServices = {
        runSubagent: (input) => this.tasks.run(scope, input),
        switchAgent: (agent, text) => this.plans.switchAgent(scope.session, agent, text),
        planFile: () => planFilePath(scope.session),
      };
      return services;
    });
    // OpenCode offers batch only with `experimental.batch_tool`; it may call what the agent itself may see.
    this.hooks.extraTools.push(async ({ auth, session, agent }) => {
      const config = await this.config.effective(auth, session.projectId);
      if (!config.experimental?.batch_tool) return [];
      const info = await this.agents.get(auth, agent, session.projectId);
      const ruleset = merge(info.permission, configRuleset(config), (session.permission as Ruleset | null) ?? [], agentGuardrails(info.name));
      const hidden = disabledTools(this.registry.ids(), ruleset);
      return [this.registry.batch((id) => !hidden.has(id))];
    });
  }
}
