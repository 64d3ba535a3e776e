import { DomainError, type ErrorDetails } from '../../core/errors/domain-error';

export enum WorkspaceErrorCode {
  InvalidPath = 'invalid_path',
  OutsideWorkspace = 'path_outside_workspace',
  SpecialFile = 'special_file',
  HardLink = 'hard_link',
  Changed = 'path_changed',
  NotFound = 'file_not_found',
  NotAFile = 'not_a_file',
  NotADirectory = 'not_a_directory',
  TooLarge = 'file_too_large',
  Binary = 'binary_file',
  QuotaExceeded = 'quota_exceeded',
  ReadOnly = 'read_only',
}

const STATUS: Record<WorkspaceErrorCode, [name: string, status: number]> = {
  [WorkspaceErrorCode.InvalidPath]: ['BadRequest', 400],
  [WorkspaceErrorCode.OutsideWorkspace]: ['ForbiddenError', 403],
  [WorkspaceErrorCode.SpecialFile]: ['ForbiddenError', 403],
  [WorkspaceErrorCode.HardLink]: ['ForbiddenError', 403],
  [WorkspaceErrorCode.Changed]: ['ConflictError', 409],
  [WorkspaceErrorCode.NotFound]: ['NotFoundError', 404],
  [WorkspaceErrorCode.NotAFile]: ['BadRequest', 400],
  [WorkspaceErrorCode.NotADirectory]: ['BadRequest', 400],
  [WorkspaceErrorCode.TooLarge]: ['PayloadTooLargeError', 413],
  [WorkspaceErrorCode.Binary]: ['BadRequest', 400],
  [WorkspaceErrorCode.QuotaExceeded]: ['QuotaExceededError', 507],
  [WorkspaceErrorCode.ReadOnly]: ['ForbiddenError', 403],
};

/**
 * Every refusal of the confinement layer. Its message is written for both audiences: the HTTP filter
 * renders it as-is, and defineTool() hands it to the model as the tool's error text.
 */
export class WorkspaceError extends DomainError {
  constructor(
    readonly workspaceCode: WorkspaceErrorCode,
    message: string,
    details: ErrorDetails = {},
  ) {
    const [name, status] = STATUS[workspaceCode];
    super(name, status, message, workspaceCode, details);
  }
}

export class QuotaExceededError extends WorkspaceError {
  constructor(usedBytes: number, quotaBytes: number, neededBytes: number) {
    super(
      WorkspaceErrorCode.QuotaExceeded,
      `Disk quota exceeded: the project uses ${usedBytes} of ${quotaBytes} bytes and this write needs ${neededBytes} more. Delete files you no longer need and try again.`,
      { usedBytes, quotaBytes, neededBytes },
    );
  }
}

export function isWorkspaceError(err: unknown, code?: WorkspaceErrorCode): err is WorkspaceError {
  return err instanceof WorkspaceError && (code === undefined || err.workspaceCode === code);
}
