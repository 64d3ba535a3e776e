// Shapes shared by the snapshot engine and its callers (summary, revert, step parts).

/** One changed file between two snapshot trees (OpenCode's `SnapshotFileDiff`). */
export interface SnapshotFileDiff {
  /** Path relative to the workspace root, `/`-separated. */
  file: string;
  /** Full-context unified diff; empty for binary files and submodule entries. */
  patch: string;
  additions: number;
  deletions: number;
  status: 'added' | 'deleted' | 'modified';
}

/** What a `patch` part stores: the tree before a step and the files the step changed. */
export interface SnapshotPatch {
  hash: string;
  /** Absolute paths inside the workspace. */
  files: string[];
}

export interface GitSnapshotOptions {
  /** Folder under which every tenant's snapshot git dirs live. */
  snapshotRoot: string;
  tenantId: string;
  projectId: string;
  /** Absolute path of the workspace (the work tree). */
  workspace: string;
  /** Absolute path of the git binary. */
  gitBinary?: string;
  /** PATH handed to git; only git's own helpers need it. */
  searchPath?: string;
  /** Per git process limit. */
  timeoutMs?: number;
  /** Untracked files above this size are not snapshotted. */
  maxUntrackedBytes?: number;
}
