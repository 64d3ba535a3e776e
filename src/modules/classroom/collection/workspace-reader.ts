import { constants } from 'node:fs';
import fs from 'node:fs/promises';
import { walk } from '../../workspace/workspace-walk';
import type { ArchiveFile } from '../archive/starter-archive';

export interface ReadLimits {
  maxFiles: number;
  maxBytes: number;
}

export const COLLECT_LIMITS: ReadLimits = { maxFiles: 2000, maxBytes: 100 * 1024 * 1024 };

// Never part of a submission: the repository (its own history) and dependency folders a tool may have installed.
const SKIP_DIRS = new Set(['.git', 'node_modules', '.venv', '__pycache__']);

/**
 * The regular files of a workspace, read without following any link (the walk reports links, the final open
 * refuses one with O_NOFOLLOW) and skipping multiply-linked files, whose other name may be outside the folder.
 * Stops at the limits and says so.
 */
export async function readWorkspace(
  root: string,
  limits: ReadLimits = COLLECT_LIMITS,
): Promise<{ files: ArchiveFile[]; truncated: boolean }> {
  const files: ArchiveFile[] = [];
  let bytes = 0;
  let truncated = false;
  for await (const e of walk(root, root, { skipDir: (d) => SKIP_DIRS.has(d.name) })) {
    if (e.type !== 'file') continue;
    if (files.length >= limits.maxFiles) {
      truncated = true;
      break;
    }
    let handle: fs.FileHandle | undefined;
    try {
      handle = await fs.open(e.absolute, constants.O_RDONLY | constants.O_NOFOLLOW);
      const st = await handle.stat();
      if (!st.isFile() || st.nlink > 1) continue;
      if (bytes + st.size > limits.maxBytes) {
        truncated = true;
        continue;
      }
      const data = await handle.readFile();
      bytes += data.length;
      files.push({ path: e.relative, data });
    } catch {
      // Gone or replaced while we walked: a snapshot of a live folder is allowed to miss it.
    } finally {
      await handle?.close();
    }
  }
  return { files, truncated };
}
