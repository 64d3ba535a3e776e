// SKILL.md: optional YAML front matter (`name`, `description`, ...) between `---` lines, then the body.
import { lazyModule } from '../../core/lazy/lazy-module';

// The YAML parser loads with the first skill file read, not at boot.

const yaml = lazyModule(() => require('yaml') as typeof import('yaml'));

export interface ParsedSkill {
  name?: string;
  description?: string;
  body: string;
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))))
    return v.slice(1, -1);
  return v;
}

/** Flat `key: value` lines: what a header that is not valid YAML (`description: Use when: …`) still means. */
function flatFields(header: string): Record<string, unknown> {
  const fields: Record<string, string> = {};
  for (const line of header.split('\n')) {
    const kv = /^([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (kv) fields[kv[1]] = unquote(kv[2]);
  }
  return fields;
}

function headerFields(header: string): Record<string, unknown> {
  try {
    const doc: unknown = yaml().parse(header);
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch {
    return flatFields(header);
  }
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

export function parseSkillFile(source: string): ParsedSkill {
  const src = source.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
  const match = /^---\n([\s\S]*?)\n---\n?/.exec(src);
  if (!match) return { body: src };
  const fields = headerFields(match[1]);
  return { name: text(fields.name), description: text(fields.description), body: src.slice(match[0].length) };
}

/** Skill names as OpenCode allows them: lowercase words joined by single hyphens. */
export function isSkillName(name: string): boolean {
  return /^[a-z0-9]+(-[a-z0-9]+)*$/.test(name) && name.length <= 64;
}
