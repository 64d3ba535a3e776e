import { Injectable } from '@nestjs/common';
import { ConfigService } from '../../config/config.service';
import { hiddenTools } from '../../permission/permission.layers';
import type { RegisteredTool } from '../../tool/tool.registry';
import { ToolRegistry } from '../../tool/tool.registry';
import type { ToolServices } from '../../tool/tool.types';
import type { PlanToolServices } from '../../tool/tools/plan/plan.tool';
import type { ExtraToolSource, StepScope, ToolScope, ToolServiceSource } from '../session-extension.port';
import { PlanService, planFilePath } from './plan.service';
import { TaskService } from './task.service';

/** The back ends of the task and plan tools, offered to a step's tools. */
@Injectable()
export class AgentToolServices implements ToolServiceSource {
  constructor(
    private readonly tasks: TaskService,
    private readonly plans: PlanService,
  ) {}

  servicesFor(scope: ToolScope): Partial<ToolServices> {
    const services: Partial<ToolServices> & PlanToolServices = {
      runSubagent: (input) => this.tasks.run(scope, input),
      switchAgent: (agent, text) => this.plans.switchAgent(scope.session, agent, text),
      planFile: () => planFilePath(scope.session),
    };
    return services;
  }
}

/** OpenCode offers batch only with `experimental.batch_tool`; it may call what the agent itself may see. */
@Injectable()
export class BatchToolSource implements ExtraToolSource {
  constructor(
    private readonly registry: ToolRegistry,
    private readonly config: ConfigService,
  ) {}

  async toolsFor({ auth, session, permission }: StepScope): Promise<RegisteredTool[]> {
    const config = await this.config.effective(auth, session.projectId);
    if (!config.experimental?.batch_tool) return [];
    const hidden = hiddenTools(this.registry.ids(), permission);
    return [this.registry.batch((id) => !hidden.has(id))];
  }
}
