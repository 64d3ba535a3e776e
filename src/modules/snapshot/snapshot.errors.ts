import { DomainError } from '../../core/errors/domain-error';

export enum SnapshotErrorCode {
  GitFailed = 'snapshot_git_failed',
  GitTimeout = 'snapshot_git_timeout',
  InvalidLocation = 'snapshot_invalid_location',
}

// Snapshot failures are server-side faults (the user cannot fix them), hence 500.
export class SnapshotError extends DomainError {
  constructor(message: string, code: SnapshotErrorCode, details: Record<string, unknown> = {}) {
    super('SnapshotError', 500, message, code, details);
  }
}
