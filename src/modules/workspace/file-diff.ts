import { createTwoFilesPatch, diffLines } from 'diff';

export interface FileDiff {
  file: string;
  patch: string;
  additions: number;
  deletions: number;
}

/** Unified diff of one file plus its line counts, in the shape OpenCode puts in `metadata.filediff`. */
export function fileDiff(file: string, before: string, after: string): FileDiff {
  const normBefore = before.replace(/\r\n/g, '\n');
  const normAfter = after.replace(/\r\n/g, '\n');
  const patch = createTwoFilesPatch(file, file, normBefore, normAfter);
  let additions = 0;
  let deletions = 0;
  for (const change of diffLines(normBefore, normAfter)) {
    if (change.added) additions += change.count ?? 0;
    else if (change.removed) deletions += change.count ?? 0;
  }
  return { file, patch, additions, deletions };
}
