import { Module } from '@nestjs/common';
import { AgentModule } from '../../agent/agent.module';
import { ConfigModule } from '../../config/config.module';
import { PluginModule } from '../../plugin/plugin.module';
import { ProjectModule } from '../../project/project.module';
import { SessionModule } from '../session.module';
import { ToolModule } from '../../tool/tool.module';
import { AgentToolServices, BatchToolSource } from './agent-tool.sources';
import { PlanService } from './plan.service';
import { ToolCatalogue } from './tool.catalogue';
import { ToolController } from './tool.controller';
import { TaskService } from './task.service';

/**
 * Session-side back ends of the task, plan and batch tools, bound to the loop's ports by the composition root, and
 * the experimental tool routes (they list what a step's TurnContext would offer, so they sit above the session).
 */
@Module({
  imports: [SessionModule, AgentModule, ConfigModule, PluginModule, ProjectModule, ToolModule],
  controllers: [ToolController],
  providers: [TaskService, PlanService, ToolCatalogue, AgentToolServices, BatchToolSource],
  exports: [AgentToolServices, BatchToolSource],
})
export class AgentToolsModule {}
