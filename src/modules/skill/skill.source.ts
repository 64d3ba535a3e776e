import { Injectable } from '@nestjs/common';
import { hiddenTools } from '../permission/permission.layers';
import type {
  StepScope,
  SystemMaterial,
  SystemSource,
  ToolScope,
  ToolServiceSource,
} from '../session/session-extension.port';
import type { ToolServices } from '../tool/tool.types';
import type { SkillToolServices } from '../tool/tools/skill/skill.tool';
import { skillsSystemText } from './skill.catalogue';
import { SkillService } from './skill.service';

/** Skills in a step: the skill tool's loader, and the list in the system prompt. */
@Injectable()
export class SkillSource implements ToolServiceSource, SystemSource {
  constructor(private readonly skills: SkillService) {}

  servicesFor({ session }: ToolScope): Partial<ToolServices> {
    const services: Partial<ToolServices> & SkillToolServices = {
      loadSkill: async (name) => {
        const all = await this.skills.list(session.tenantId, session.directory);
        const skill = all.find((s) => s.name === name);
        if (!skill) return { missing: true, available: all.map((s) => s.name) };
        return { ...skill, files: await this.skills.samples(skill) };
      },
    };
    return services;
  }

  /** The list goes into the system prompt only for agents that may use the skill tool. */
  async systemFor({ session, permission }: StepScope): Promise<SystemMaterial> {
    if (hiddenTools(['skill'], permission).size > 0) return {};
    return { skills: skillsSystemText(await this.skills.list(session.tenantId, session.directory)) };
  }
}
