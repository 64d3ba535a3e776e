import { Module, OnModuleInit } from '@nestjs/common';
import { AgentModule } from '../../agent/agent.module';
import { ConfigModule } from '../../config/config.module';
import { ConfigService } from '../../config/config.service';
import { hiddenTools } from '../../permission/permission.layers';
import { ProjectModule } from '../../project/project.module';
import { SessionHooks } from '../session.hooks';
import { SessionModule } from '../session.module';
import { ToolModule } from '../../tool/tool.module';
import { ToolRegistry } from '../../tool/tool.registry';
import type { ToolServices } from '../../tool/tool.types';
import { PlanService, planFilePath } from './plan.service';
import type { PlanToolServices } from '../../tool/tools/plan/plan.tool';
import { ToolCatalogue } from './tool.catalogue';
import { ToolController } from './tool.controller';
import { TaskService } from './task.service';

/**
 * Session-side back ends of the task, plan and batch tools, plugged into the loop through SessionHooks, and the
 * experimental tool routes (they list what a step's TurnContext would offer, so they sit above the session).
 */
@Module({
  imports: [SessionModule, AgentModule, ConfigModule, ProjectModule, ToolModule],
  controllers: [ToolController],
  providers: [TaskService, PlanService, ToolCatalogue],
})
export class AgentToolsModule implements OnModuleInit {
  constructor(
    private readonly tasks: TaskService,
    private readonly plans: PlanService,
    private readonly registry: ToolRegistry,
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
    this.hooks.extraTools.push(async ({ auth, session, permission }) => {
      const config = await this.config.effective(auth, session.projectId);
      if (!config.experimental?.batch_tool) return [];
      const hidden = hiddenTools(this.registry.ids(), permission);
      return [this.registry.batch((id) => !hidden.has(id))];
    });
  }
}
