import fs from 'node:fs/promises';
import path from 'node:path';
import type { AppConfig } from '../../../core/config/app-config';
import { assertPathSegment } from '../../workspace/workspace-manager';

/** Where a project lives on disk: its workspace folder and its snapshot repository (and its saved tool output). */
export function projectDirs(config: AppConfig, tenantId: string, project: { id: string; slug: string }) {
  assertPathSegment('tenantId', tenantId);
  assertPathSegment('projectSlug', project.slug);
  assertPathSegment('projectId', project.id);
  return {
    workspace: path.join(config.workspaceRoot, tenantId, project.slug),
    snapshot: path.join(config.snapshotRoot, tenantId, project.id),
    toolOutput: path.join(config.toolOutputDir, tenantId, project.slug),
  };
}

/** Every folder that holds a school's files: workspaces, snapshots, saved tool output, the classroom's store. */
export function tenantDirs(config: AppConfig, tenantId: string): string[] {
  assertPathSegment('tenantId', tenantId);
  return [config.workspaceRoot, config.snapshotRoot, config.toolOutputDir, path.join(config.dataDir, 'classroom')].map(
    (root) => path.join(root, tenantId),
  );
}

export async function exists(p: string): Promise<boolean> {
  return fs.lstat(p).then(
    () => true,
    () => false,
  );
}

/** Removes the folder tree; true when something was there. Never follows a link out (rm removes the link). */
export async function removeTree(p: string): Promise<boolean> {
  const was = await exists(p);
  if (was) await fs.rm(p, { recursive: true, force: true });
  return was;
}
