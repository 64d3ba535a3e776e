import { DomainError } from '../../core/errors/domain-error';

export enum SnapshotErrorCode {
  GitFailed = 'snapshot_git_failed',
  GitTimeout = 'snapshot_git_timeout',
  InvalidLocation = 'snapshot_invalid_location',
  InvalidObjectId = 'snapshot_invalid_object_id',
  SpecialFile = 'snapshot_special_file',
}

// Snapshot failures are server-side faults (the user cannot fix them), hence 500.
export class SnapshotError extends DomainError {
  constructor(message: string, code: SnapshotErrorCode, details: Record<string, unknown> = {}) {
    super('SnapshotError', 500, message, code, details);
  }
}

// A snapshot reference that is not an object id came from a request or a tampered row: the caller's fault,
// and nothing was run. The value itself is not echoed (it may be an attempted option string).
export class SnapshotRefError extends DomainError {
  constructor(field: string, value: unknown) {
    super('BadRequest', 400, `${field} is not a git object id`, SnapshotErrorCode.InvalidObjectId, {
      field,
      length: typeof value === 'string' ? value.length : undefined,
    });
  }
}
