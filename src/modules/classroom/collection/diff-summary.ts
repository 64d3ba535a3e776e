import { diffLines } from 'diff';
import type { ArchiveFile } from '../archive/starter-archive';

// Line diffs are exact up to this size per file; bigger or binary files count as changed without line numbers,
// so a student's 50 MB log cannot stall a collection.
const LINE_DIFF_MAX = 256 * 1024;

export interface DiffSummary {
  added: string[];
  modified: string[];
  deleted: string[];
  additions: number;
  deletions: number;
}

const isBinary = (b: Buffer) => b.subarray(0, 8000).includes(0);

/** What a student changed against the starter files: files added, modified, deleted and the lines in between. */
export function diffSummary(starter: ArchiveFile[], current: ArchiveFile[]): DiffSummary {
  const before = new Map(starter.map((f) => [f.path, f.data]));
  const after = new Map(current.map((f) => [f.path, f.data]));
  const out: DiffSummary = { added: [], modified: [], deleted: [], additions: 0, deletions: 0 };
  const count = (a: Buffer, b: Buffer) => {
    if (a.length > LINE_DIFF_MAX || b.length > LINE_DIFF_MAX || isBinary(a) || isBinary(b)) return;
    for (const change of diffLines(a.toString('utf8'), b.toString('utf8'))) {
      if (change.added) out.additions += change.count ?? 0;
      else if (change.removed) out.deletions += change.count ?? 0;
    }
  };
  for (const [path, data] of after) {
    const old = before.get(path);
    if (!old) {
      out.added.push(path);
      count(Buffer.alloc(0), data);
    } else if (!old.equals(data)) {
      out.modified.push(path);
      count(old, data);
    }
  }
  for (const [path, data] of before)
    if (!after.has(path)) {
      out.deleted.push(path);
      count(data, Buffer.alloc(0));
    }
  return out;
}
