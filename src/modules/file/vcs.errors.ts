import { ConflictError, DomainError } from '../../core/errors/domain-error';

/**
 * The workspace holds a file host git must not open (a FIFO, socket or device named `.gitignore`, a special file
 * inside `.git`, a huge or `**`-heavy pattern file): git is not run, the request answers at once.
 */
export class VcsUnsafeFileError extends ConflictError {
  constructor(file: string, reason: string) {
    super(
      'VcsUnsafeFileError',
      `${file}: ${reason}. Git is not run on this workspace until the file is removed or replaced.`,
      { path: file },
      'vcs_special_file',
    );
  }
}

// OpenCode's error names for the vcs, worktree and project-copy routes (VcsApplyError, WorktreeError,
// ProjectCopyError in its document); all 400s, so its clients' handling carries over.

export class VcsApplyError extends DomainError {
  constructor(message: string, reason: 'non-git' | 'not-clean') {
    super('VcsApplyError', 400, message, 'vcs_apply', { reason });
  }
}

export type WorktreeErrorName =
  | 'WorktreeNotGitError'
  | 'WorktreeNameGenerationFailedError'
  | 'WorktreeCreateFailedError'
  | 'WorktreeStartCommandFailedError'
  | 'WorktreeRemoveFailedError'
  | 'WorktreeResetFailedError'
  | 'WorktreeListFailedError';

export class WorktreeError extends DomainError {
  constructor(name: WorktreeErrorName, message: string) {
    super(name, 400, message, 'worktree');
  }
}

export class ProjectCopyError extends DomainError {
  constructor(message: string, details: { forceRequired?: boolean } = {}) {
    super('ProjectCopyError', 400, message, 'project_copy', details);
  }
}
