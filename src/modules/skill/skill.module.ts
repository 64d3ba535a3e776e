import { Module, OnModuleInit } from '@nestjs/common';
import { SessionModule } from '../session/session.module';
import { AgentModule } from '../agent/agent.module';
import { ProjectModule } from '../project/project.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { hiddenTools } from '../permission/permission.layers';
import { SessionHooks } from '../session/session.hooks';
import type { ToolServices } from '../tool/tool.types';
import type { SkillToolServices } from '../tool/tools/skill/skill.tool';
import { SkillCatalogue, skillsSystemText } from './skill.catalogue';
import { SkillController } from './skill.controller';
import { SkillService } from './skill.service';

@Module({
  imports: [SessionModule, AgentModule, ProjectModule, WorkspaceModule],
  controllers: [SkillController],
  providers: [SkillService, SkillCatalogue],
  exports: [SkillService],
})
export class SkillModule implements OnModuleInit {
  constructor(
    private readonly skills: SkillService,
    private readonly hooks: SessionHooks,
  ) {}

  onModuleInit(): void {
    this.hooks.toolServices.push(({ session }) => {
      const services: Partial<ToolServices> & SkillToolServices = {
        loadSkill: async (name) => {
          const all = await this.skills.list(session.tenantId, session.directory);
          const skill = all.find((s) => s.name === name);
          if (!skill) return { missing: true, available: all.map((s) => s.name) };
          return { ...skill, files: await this.skills.samples(skill) };
        },
      };
      return services;
    });
    // The list goes into the system prompt only for agents that may use the skill tool.
    this.hooks.system.push(async ({ session, permission }) => {
      if (hiddenTools(['skill'], permission).size > 0) return {};
      return { skills: skillsSystemText(await this.skills.list(session.tenantId, session.directory)) };
    });
  }
}
