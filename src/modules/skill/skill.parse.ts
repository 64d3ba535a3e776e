// SKILL.md: optional YAML-style front matter (`name`, `description`) between `---` lines, then the body.
// Only flat `key: value` pairs are read; that is all a skill header carries.

export interface ParsedSkill {
  name?: string;
  description?: string;
  body: string;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'")))) return v.slice(1, -1);
  return v;
}

export function parseSkillFile(text: string): ParsedSkill {
  const src = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(src);
  if (!match) return { body: src };
  const fields: Record<string, string> = {};
  for (const line of match[1].split('\n')) {
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv) fields[kv[1]] = unquote(kv[2]);
  }
  return { name: fields.name || undefined, description: fields.description || undefined, body: src.slice(match[0].length) };
}

/** Skill names as OpenCode allows them: lowercase words joined by single hyphens. */
export function isSkillName(name: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) && name.length <= 64;
}
