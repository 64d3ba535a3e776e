import { Inject, Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { readHostFile } from '../workspace/host-file';
import { ScanCache, type ScanWitness } from '../workspace/scan-cache';
import type { Workspace } from '../workspace/workspace';
import { WorkspaceManager } from '../workspace/workspace-manager';
import { isSkillName, parseSkillFile } from './skill.parse';

export interface SkillInfo {
  name: string;
  description: string;
  /** Absolute path of the SKILL.md file. */
  location: string;
  content: string;
  /** Where it came from; later sources override earlier ones with the same name. */
  source: 'tenant' | 'project';
}

const SKILL_DIRS = ['.opencode/skill', '.opencode/skills'];
const MAX_DEPTH = 6;
const MAX_ENTRIES = 2_000;
const MAX_SKILL_BYTES = 256 * 1024;
const MAX_SAMPLES = 10;

/**
 * Skills (OpenCode's SKILL.md folders) from two places: the tenant's shared folder
 * `<DATA_DIR>/tenant/<tenantId>/skills/**` (set up by the platform operator) and the project's
 * `.opencode/skill(s)/**`. Both are read through the workspace confinement, so links out are ignored.
 */
@Injectable()
export class SkillService {
  private readonly tenantFolders: WorkspaceManager;
  /** Every step of every prompt asks for the list: the folders are walked again only when something in them changed. */
  private readonly cache = new ScanCache<SkillInfo[]>();

  constructor(
    private readonly workspaces: WorkspaceManager,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.tenantFolders = new WorkspaceManager({ workspaceRoot: path.join(config.dataDir, 'tenant') });
  }

  /** Skills visible in a project folder (its worktree path), by name; project skills win over tenant ones. */
  async list(tenantId: string, directory: string): Promise<SkillInfo[]> {
    const skills = await this.cache.get(`${tenantId}\0${directory}`, (witness) =>
      this.listNow(tenantId, directory, witness),
    );
    return [...skills];
  }

  private async listNow(tenantId: string, directory: string, witness: ScanWitness): Promise<SkillInfo[]> {
    const byName = new Map<string, SkillInfo>();
    const tenant = await this.tenantFolders.get(tenantId, 'skills');
    for (const skill of await this.scan(tenant, ['.'], 'tenant', witness)) byName.set(skill.name, skill);
    // A project a read names before it exists has no folder yet; listing must not create it.
    const slug = path.basename(directory);
    await witness.observe(this.workspaces.pathFor(tenantId, slug));
    const project = await this.workspaces.existing(tenantId, slug);
    for (const skill of await this.scan(project, SKILL_DIRS, 'project', witness)) byName.set(skill.name, skill);
    return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(tenantId: string, directory: string, name: string): Promise<SkillInfo | undefined> {
    return (await this.list(tenantId, directory)).find((s) => s.name === name);
  }

  /** Up to ten other files of the skill's folder, relative to it, for the skill tool's answer. */
  async samples(skill: SkillInfo): Promise<string[]> {
    const dir = path.dirname(skill.location);
    const out: string[] = [];
    // Names only, and links are not followed (Dirent types are the links' own).
    const walk = async (folder: string, depth: number): Promise<void> => {
      if (depth > 2 || out.length >= MAX_SAMPLES) return;
      for (const d of await fs.readdir(folder, { withFileTypes: true }).catch(() => [])) {
        if (out.length >= MAX_SAMPLES) return;
        const full = path.join(folder, d.name);
        if (d.isFile() && full !== skill.location) out.push(path.relative(dir, full));
        else if (d.isDirectory()) await walk(full, depth + 1);
      }
    };
    await walk(dir, 0);
    return out;
  }

  private async scan(
    ws: Workspace,
    roots: string[],
    source: SkillInfo['source'],
    witness: ScanWitness,
  ): Promise<SkillInfo[]> {
    const found: SkillInfo[] = [];
    let budget = MAX_ENTRIES;
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > MAX_DEPTH || budget <= 0) return;
      await witness.observe(path.resolve(ws.root, rel));
      const entries = await ws.list(rel).catch(() => []);
      budget -= entries.length;
      for (const entry of entries) {
        if (entry.type === 'file' && entry.name === 'SKILL.md') {
          await witness.observe(entry.absolute);
          const skill = await this.load(ws, entry.relative || entry.name, entry.absolute, source);
          if (skill) found.push(skill);
        } else if (entry.type === 'directory' && !entry.name.startsWith('.')) {
          await walk(entry.relative, depth + 1);
        }
      }
    };
    for (const root of roots) await walk(root, 0);
    return found;
  }

  private async load(
    ws: Workspace,
    rel: string,
    absolute: string,
    source: SkillInfo['source'],
  ): Promise<SkillInfo | undefined> {
    try {
      const text = await readHostFile(ws.root, rel, { maxBytes: MAX_SKILL_BYTES });
      if (text === undefined) return undefined;
      const parsed = parseSkillFile(text.toString('utf8'));
      const name = parsed.name ?? path.basename(path.dirname(absolute));
      if (!isSkillName(name) || !parsed.description) {
        this.logger.debug({ path: absolute }, 'skipping SKILL.md without a valid name and description');
        return undefined;
      }
      return { name, description: parsed.description, location: absolute, content: parsed.body.trim(), source };
    } catch (err) {
      this.logger.debug({ err, path: absolute }, 'unreadable SKILL.md skipped');
      return undefined;
    }
  }
}
