import { Module } from '@nestjs/common';
import { AgentModule } from '../agent/agent.module';
import { ProjectModule } from '../project/project.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { SkillCatalogue } from './skill.catalogue';
import { SkillController } from './skill.controller';
import { SkillService } from './skill.service';
import { SkillSource } from './skill.source';

@Module({
  imports: [AgentModule, ProjectModule, WorkspaceModule],
  controllers: [SkillController],
  providers: [SkillService, SkillCatalogue, SkillSource],
  exports: [SkillService, SkillSource],
})
export class SkillModule {}
