import { Injectable } from '@nestjs/common';
import type { AuthContext } from '../../core/auth/auth-context';
import { ProjectService } from '../project/project.service';
import type { SkillDto } from './dto/skill.dto';
import { SkillService, type SkillInfo } from './skill.service';

/** The route's view: the caller's project, then skills without our internal `source` field. */
@Injectable()
export class SkillCatalogue {
  constructor(
    private readonly projects: ProjectService,
    private readonly skills: SkillService,
  ) {}

  async list(auth: AuthContext, directory?: string): Promise<SkillDto[]> {
    const project = await this.projects.resolve(auth, directory);
    const skills = await this.skills.list(auth.tenantId, this.projects.worktree(project));
    return skills.map(({ source: _source, ...rest }: SkillInfo) => rest);
  }
}

/** The system-prompt section listing skills, so the model knows when to call the skill tool. */
export function skillsSystemText(skills: Pick<SkillInfo, 'name' | 'description'>[]): string | undefined {
  if (skills.length === 0) return undefined;
  const items = skills.map(
    (s) => `  <skill>\n    <name>${s.name}</name>\n    <description>${s.description}</description>\n  </skill>`,
  );
  return [
    'Skills give you task-specific instructions and files. When a task matches a skill below, load it with the skill tool before starting.',
    '<available_skills>',
    ...items,
    '</available_skills>',
  ].join('\n');
}
