import type { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { pack } from 'tar-stream';
import { readWorkspace, type ReadLimits } from '../collection/workspace-reader';

/** Bounds of one export's workspaces: enough for any student's homework, not a way to copy a disk. */
export const EXPORT_LIMITS: ReadLimits = { maxFiles: 5000, maxBytes: 200 * 1024 * 1024 };

/**
 * One tar.gz: `export.json` first, then `workspaces/<name>/…` per project (regular files only, no `.git`, links
 * never followed). Entries are added one at a time as the stream is read, so memory holds one workspace at most.
 */
export function exportArchive(json: object, workspaces: { name: string; dir: string }[]): Readable {
  const tar = pack();
  const gzip = createGzip();
  tar.pipe(gzip);
  void (async () => {
    try {
      const now = new Date();
      tar.entry({ name: 'export.json', mtime: now, mode: 0o644 }, JSON.stringify(json, null, 2));
      for (const w of workspaces) {
        const { files, truncated } = await readWorkspace(w.dir, EXPORT_LIMITS);
        for (const f of files) tar.entry({ name: `workspaces/${w.name}/${f.path}`, mtime: now, mode: 0o644 }, f.data);
        if (truncated)
          tar.entry({ name: `workspaces/${w.name}.TRUNCATED`, mtime: now, mode: 0o644 }, 'Over the export limits.\n');
      }
      tar.finalize();
    } catch (err) {
      gzip.destroy(err as Error);
    }
  })();
  return gzip;
}
