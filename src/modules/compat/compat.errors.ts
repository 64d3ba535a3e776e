import { DomainError } from '../../core/errors/domain-error';

export enum CompatErrorCode {
  Unsupported = 'unsupported',
}

/**
 * An OpenCode operation that has no meaning on a hosted, multi-tenant server (the sync protocol between local
 * instances, remote workspaces and the control plane, provider OAuth logins into a personal account, self-upgrade).
 * 400 because OpenCode's document declares 400 for every one of them, so its clients already handle it; never a 404
 * (the route exists) and never a 5xx (nothing failed). docs/compatibility.md lists each group and why.
 */
export class UnsupportedOperationError extends DomainError {
  constructor(operation: string, reason: string) {
    super(
      'UnsupportedOperationError',
      400,
      `${operation} is not available on this server: ${reason}`,
      CompatErrorCode.Unsupported,
      {
        operation,
      },
    );
  }
}
