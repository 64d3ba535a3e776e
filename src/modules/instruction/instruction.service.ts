import { Inject, Injectable } from '@nestjs/common';
import path from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { compileGlob, globBase, isGlob } from '../workspace/glob-match';
import { readHostText } from '../workspace/host-file';
import { ScanCache, type ScanWitness } from '../workspace/scan-cache';
import type { Workspace } from '../workspace/workspace';
import { WorkspaceManager } from '../workspace/workspace-manager';

export interface InstructionFile {
  path: string;
  content: string;
}

/** OpenCode reads the first of these it finds in the project root. */
const PROJECT_FILES = ['AGENTS.md', 'CLAUDE.md', 'CONTEXT.md'];
const MAX_FILE_BYTES = 128 * 1024;
const MAX_GLOB_FILES = 20;
const MAX_WALK_ENTRIES = 2_000;

/**
 * Instruction files folded into the system prompt: the tenant's shared `*.md` files
 * (`<DATA_DIR>/tenant/<tenantId>/instructions/`), the project's AGENTS.md (or CLAUDE.md), and the config's
 * `instructions` entries. Config entries are paths or globs inside the project folder; URLs, home paths
 * and anything outside the workspace are skipped, since a school server must not read its own disk or
 * fetch URLs on a student's behalf.
 */
@Injectable()
export class InstructionService {
  private readonly tenantFolders: WorkspaceManager;
  /** Read for every step of every prompt: the files are read again only when one of them (or a folder) changed. */
  private readonly cache = new ScanCache<InstructionFile[]>();

  constructor(
    private readonly workspaces: WorkspaceManager,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.tenantFolders = new WorkspaceManager({ workspaceRoot: path.join(config.dataDir, 'tenant') });
  }

  async load(tenantId: string, directory: string, configured: string[] = []): Promise<InstructionFile[]> {
    const key = JSON.stringify([tenantId, directory, configured]);
    return [...(await this.cache.get(key, (witness) => this.loadNow(tenantId, directory, configured, witness)))];
  }

  private async loadNow(
    tenantId: string,
    directory: string,
    configured: string[],
    witness: ScanWitness,
  ): Promise<InstructionFile[]> {
    const out: InstructionFile[] = [];
    const seen = new Set<string>();
    const add = async (ws: Workspace, rel: string) => {
      // The folder too: a folder on the way that becomes a link is refused by the read, so it must be read again.
      await witness.observe(path.dirname(path.resolve(ws.root, rel)));
      await witness.observe(path.resolve(ws.root, rel));
      const file = await this.read(ws, rel);
      if (file && !seen.has(file.path)) {
        seen.add(file.path);
        out.push(file);
      }
    };
    const tenant = await this.tenantFolders.get(tenantId, 'instructions');
    await witness.observe(tenant.root);
    for (const entry of await tenant.list('.').catch(() => []))
      if (entry.type === 'file' && entry.name.endsWith('.md')) await add(tenant, entry.relative);
    const project = await this.workspaces.get(tenantId, path.basename(directory));
    for (const name of PROJECT_FILES) {
      const before = out.length;
      await add(project, name);
      if (out.length > before) break;
    }
    for (const entry of configured) {
      if (/^[a-z]+:\/\//i.test(entry) || entry.startsWith('~') || entry.includes('$HOME')) {
        this.logger.debug({ entry }, 'instruction entry outside the workspace skipped');
        continue;
      }
      if (isGlob(entry)) for (const rel of await this.glob(project, entry, witness)) await add(project, rel);
      else await add(project, entry);
    }
    return out;
  }

  private async read(ws: Workspace, rel: string): Promise<InstructionFile | undefined> {
    // Read as the server, outside any sandbox: no links, no FIFOs or devices, bounded (host-file.ts).
    const content = await readHostText(ws.root, rel, {
      maxBytes: MAX_FILE_BYTES,
      onRefused: (err) => this.logger.debug({ err, rel }, 'instruction file skipped'),
    });
    return content === undefined ? undefined : { path: path.resolve(ws.root, rel), content };
  }

  /** Files under the glob's fixed prefix that match it, at most MAX_GLOB_FILES. */
  private async glob(ws: Workspace, pattern: string, witness: ScanWitness): Promise<string[]> {
    const normalized = pattern.replace(/^\.\//, '');
    const base = globBase(normalized);
    const isMatch = compileGlob(normalized);
    const found: string[] = [];
    let budget = MAX_WALK_ENTRIES;
    const walk = async (rel: string, depth: number): Promise<void> => {
      if (depth > 8 || budget <= 0 || found.length >= MAX_GLOB_FILES) return;
      await witness.observe(path.resolve(ws.root, rel));
      const entries = await ws.list(rel).catch(() => []);
      budget -= entries.length;
      for (const e of entries) {
        if (e.type === 'file' && isMatch(e.relative)) found.push(e.relative);
        else if (e.type === 'directory' && e.name !== 'node_modules' && e.name !== '.git')
          await walk(e.relative, depth + 1);
        if (found.length >= MAX_GLOB_FILES) return;
      }
    };
    await walk(base, 0);
    return found.sort();
  }
}
