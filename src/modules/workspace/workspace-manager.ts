import fs from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { BadRequestError } from '../../core/errors/domain-error';
import { virtualProjectPath } from '../../core/http/host-paths';
import { Workspace, type WorkspaceOptions } from './workspace';

export const WorkspaceManagerOptionsSchema = z.object({
  /** Folder holding `<tenantId>/<projectSlug>` project folders. */
  workspaceRoot: z.string().min(1),
  /** Folder holding `<tenantId>/<projectSlug>` truncated tool output; outside every workspace. */
  toolOutputRoot: z.string().min(1).optional(),
  maxReadBytes: z.number().int().positive().optional(),
  maxWriteBytes: z.number().int().positive().optional(),
  quotaBytes: z.number().int().positive().optional(),
  usageTtlMs: z.number().int().min(0).optional(),
});
export type WorkspaceManagerOptions = z.input<typeof WorkspaceManagerOptionsSchema>;

// Both become folder names: no dots (so no `..`), no separators, bounded length.
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export function assertPathSegment(kind: string, value: string): void {
  if (typeof value !== 'string' || !SEGMENT.test(value)) {
    throw new BadRequestError(`Invalid ${kind}: use letters, digits, '-' and '_' only (at most 128 characters).`, {
      [kind]: value,
    });
  }
}

/** Maps (tenant, project) to a private folder `<workspaceRoot>/<tenantId>/<projectSlug>`. */
export class WorkspaceManager {
  private readonly opts: z.output<typeof WorkspaceManagerOptionsSchema>;
  private readonly open = new Map<string, Promise<Workspace>>();

  constructor(options: WorkspaceManagerOptions) {
    this.opts = WorkspaceManagerOptionsSchema.parse(options);
  }

  /** Folder a project lives in, without creating it. */
  pathFor(tenantId: string, projectSlug: string): string {
    assertPathSegment('tenantId', tenantId);
    assertPathSegment('projectSlug', projectSlug);
    return path.join(path.resolve(this.opts.workspaceRoot), tenantId, projectSlug);
  }

  /** The project's workspace, creating its folder (mode 0700) on first use. */
  get(
    tenantId: string,
    projectSlug: string,
    overrides: Partial<Pick<WorkspaceOptions, 'quotaBytes' | 'projectId'>> = {},
  ): Promise<Workspace> {
    const dir = this.pathFor(tenantId, projectSlug);
    const key = `${tenantId}/${projectSlug}`;
    let ws = this.open.get(key);
    if (!ws || overrides.quotaBytes !== undefined || overrides.projectId !== undefined) {
      ws = this.create(tenantId, projectSlug, dir, overrides);
      this.open.set(key, ws);
      // A failed open must not be cached forever.
      ws.catch(() => this.open.delete(key));
    }
    return ws;
  }

  /**
   * A read-only stand-in for a project that does not exist yet: an empty folder outside every tenant's (`.empty`
   * is no valid tenant id), answering to the project's own paths, so reads of a new name find nothing and create
   * nothing. Never handed to a write.
   */
  async empty(tenantId: string, projectSlug: string): Promise<Workspace> {
    const root = path.join(path.resolve(this.opts.workspaceRoot), '.empty');
    await fs.mkdir(root, { recursive: true, mode: 0o555 });
    return Workspace.open({
      root,
      aliases: [virtualProjectPath(projectSlug), this.pathFor(tenantId, projectSlug)],
      tenantId,
      projectId: projectSlug,
      maxReadBytes: this.opts.maxReadBytes,
      maxWriteBytes: this.opts.maxWriteBytes,
      quotaBytes: 1,
      usageTtlMs: this.opts.usageTtlMs,
    });
  }

  /** The project's workspace when its folder exists, else the empty stand-in: for reads, which create nothing. */
  async existing(tenantId: string, projectSlug: string): Promise<Workspace> {
    const exists = await fs.stat(this.pathFor(tenantId, projectSlug)).then(
      () => true,
      () => false,
    );
    return exists ? this.get(tenantId, projectSlug) : this.empty(tenantId, projectSlug);
  }

  /** Forgets a cached workspace (e.g. after its project was deleted). */
  evict(tenantId: string, projectSlug: string): void {
    this.open.delete(`${tenantId}/${projectSlug}`);
  }

  private async create(
    tenantId: string,
    projectSlug: string,
    dir: string,
    overrides: Partial<Pick<WorkspaceOptions, 'quotaBytes' | 'projectId'>>,
  ): Promise<Workspace> {
    const root = path.resolve(this.opts.workspaceRoot);
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    const realRoot = await fs.realpath(root);
    const levels: [string, string][] = [
      [path.join(root, tenantId), path.join(realRoot, tenantId)],
      [dir, path.join(realRoot, tenantId, projectSlug)],
    ];
    for (const [level, expected] of levels) {
      let created = false;
      try {
        await fs.mkdir(level, { mode: 0o700 });
        created = true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      // A tenant or project folder that is a link could point into someone else's workspace.
      const st = await fs.lstat(level);
      if (!st.isDirectory()) throw new Error(`Workspace folder ${level} is not a plain directory`);
      // Exactly where it should be: a link to another tenant's folder would still be "inside the root".
      if ((await fs.realpath(level)) !== expected)
        throw new Error(`Workspace folder ${level} is not where it should be (a link?)`);
      // The umask may have widened a fresh folder; an existing one may have been handed to the sandbox
      // user on purpose, so it is left as it is.
      if (created && (st.mode & 0o777) !== 0o700) await fs.chmod(level, 0o700);
    }
    const outputDir = this.opts.toolOutputRoot
      ? path.join(path.resolve(this.opts.toolOutputRoot), tenantId, projectSlug)
      : undefined;
    return Workspace.open({
      root: dir,
      aliases: [virtualProjectPath(projectSlug)],
      tenantId,
      projectId: overrides.projectId ?? projectSlug,
      outputDir,
      maxReadBytes: this.opts.maxReadBytes,
      maxWriteBytes: this.opts.maxWriteBytes,
      quotaBytes: overrides.quotaBytes ?? this.opts.quotaBytes,
      usageTtlMs: this.opts.usageTtlMs,
    });
  }
}
