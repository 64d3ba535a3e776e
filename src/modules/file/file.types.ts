// OpenCode's shapes for the file, find and vcs routes (openapi: File, VcsInfo, VcsFileStatus, VcsFileDiff).

export type ChangeStatus = 'added' | 'deleted' | 'modified';

export interface FileStatusEntry {
  path: string;
  added: number;
  removed: number;
  status: ChangeStatus;
}

export interface VcsInfo {
  branch?: string;
  default_branch?: string;
}

export interface VcsFileStatus {
  file: string;
  additions: number;
  deletions: number;
  status: ChangeStatus;
}

export interface VcsFileDiff extends VcsFileStatus {
  patch?: string;
}

export interface TextMatch {
  path: { text: string };
  lines: { text: string };
  line_number: number;
  absolute_offset: number;
  submatches: { match: { text: string }; start: number; end: number }[];
}
