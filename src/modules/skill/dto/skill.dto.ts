export class SkillDto {
  name!: string;
  description!: string;
  /** Absolute path of the SKILL.md file. */
  location!: string;
  /** The file's body, without the front matter. */
  content!: string;
}
