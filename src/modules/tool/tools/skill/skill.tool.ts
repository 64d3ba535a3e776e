import { z } from 'zod';
import { defineTool } from '../../tool.define';
import { ToolError } from '../../tool.types';

export const SkillParametersSchema = z.object({
  name: z.string().min(1).max(64).describe('Name of the skill to load, from the list of available skills'),
});

export interface LoadedSkill {
  name: string;
  description: string;
  location: string;
  content: string;
  files: string[];
}

/** Offered through TOOL_SERVICE_SOURCES by the skill module (SkillSource). */
export interface SkillToolServices {
  loadSkill?(name: string): Promise<LoadedSkill | { missing: true; available: string[] }>;
}

export const SKILL_DESCRIPTION = `Load a skill: task-specific instructions (and the folder of files that comes with them) written for this project or school.

The system prompt lists the available skills with a description of when each applies. Load the matching skill before you start such a task and follow its instructions. Paths in the skill are relative to its base directory.`;

/** `skill`: returns a SKILL.md body with its base directory and some of its files. */
export const skillTool = defineTool({
  id: 'skill',
  description: SKILL_DESCRIPTION,
  parameters: SkillParametersSchema,
  async execute(args, ctx) {
    const load = (ctx.services as SkillToolServices | undefined)?.loadSkill;
    if (!load) throw new ToolError('Skills are not available in this session.');
    await ctx.ask({ permission: 'skill', patterns: [args.name], always: [args.name], metadata: { name: args.name } });
    const skill = await load(args.name);
    if ('missing' in skill)
      throw new ToolError(`Skill "${args.name}" not found. Available skills: ${skill.available.join(', ') || 'none'}.`);
    const base = skill.location.replace(/\/SKILL\.md$/, '');
    const files = skill.files.length
      ? `\n\n<skill_files>\n${skill.files.map((f) => `${base}/${f}`).join('\n')}\n</skill_files>`
      : '';
    const output = `<skill_content name="${skill.name}">\n${skill.content}\n\nBase directory for this skill: ${base}${files}\n</skill_content>`;
    return { title: `Loaded skill: ${skill.name}`, output, metadata: { name: skill.name, dir: base } };
  },
});
