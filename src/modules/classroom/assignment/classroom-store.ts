import { Inject, Injectable } from '@nestjs/common';
import fs from 'node:fs/promises';
import path from 'node:path';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { assertPathSegment } from '../../workspace/workspace-manager';
import { walk } from '../../workspace/workspace-walk';
import type { ArchiveFile } from '../archive/starter-archive';

/**
 * Files the classroom keeps outside every workspace: `DATA_DIR/classroom/<tenant>/<assignment>/starter/` (the
 * checked starter files) and `.../collections/<collection>/<student>/` (collected snapshots). Students never
 * reach these folders: no tool or file route resolves paths here.
 */
@Injectable()
export class ClassroomStore {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  tenantDir(tenantId: string): string {
    assertPathSegment('tenantId', tenantId);
    return path.join(this.config.dataDir, 'classroom', tenantId);
  }

  assignmentDir(tenantId: string, assignmentId: string): string {
    assertPathSegment('assignmentId', assignmentId);
    return path.join(this.tenantDir(tenantId), assignmentId);
  }

  starterDir(tenantId: string, assignmentId: string): string {
    return path.join(this.assignmentDir(tenantId, assignmentId), 'starter');
  }

  collectionDir(tenantId: string, assignmentId: string, collectionId: string, userId?: string): string {
    assertPathSegment('collectionId', collectionId);
    const dir = path.join(this.assignmentDir(tenantId, assignmentId), 'collections', collectionId);
    if (!userId) return dir;
    assertPathSegment('userId', userId);
    return path.join(dir, userId);
  }

  /** Replaces the starter files at once: written beside, then swapped in, so an open never sees half of them. */
  async saveStarter(tenantId: string, assignmentId: string, files: ArchiveFile[]): Promise<void> {
    const target = this.starterDir(tenantId, assignmentId);
    const staging = `${target}.${process.pid}.${Date.now()}`;
    await writeTree(staging, files);
    const old = `${staging}.old`;
    await fs.rename(target, old).catch(() => undefined);
    await fs.rename(staging, target);
    await fs.rm(old, { recursive: true, force: true });
  }

  starterFiles(tenantId: string, assignmentId: string): Promise<ArchiveFile[]> {
    return readTree(this.starterDir(tenantId, assignmentId));
  }

  async removeAssignment(tenantId: string, assignmentId: string): Promise<void> {
    await fs.rm(this.assignmentDir(tenantId, assignmentId), { recursive: true, force: true });
  }
}

/** Writes checked archive files below `root` (paths come from checkEntryPath: relative, no `..`). */
export async function writeTree(root: string, files: ArchiveFile[]): Promise<void> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  for (const f of files) {
    const target = path.join(root, f.path);
    await fs.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.writeFile(target, f.data, { flag: 'wx', mode: 0o600 });
  }
}

/** Every regular file below `root` (links and special files are skipped, never followed). */
export async function readTree(root: string): Promise<ArchiveFile[]> {
  const out: ArchiveFile[] = [];
  try {
    await fs.access(root);
  } catch {
    return out;
  }
  for await (const e of walk(root, root)) {
    if (e.type === 'file') out.push({ path: e.relative, data: await fs.readFile(e.absolute) });
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
