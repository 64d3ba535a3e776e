import { ConflictError } from '../../core/errors/domain-error';

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
