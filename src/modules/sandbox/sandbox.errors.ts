import { BadRequestError, DomainError } from '../../core/errors/domain-error';

/** What to do about it, in every refusal: the two ways out, one of them only for a trusted single user. */
export const SANDBOX_FIX =
  'Install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) on a host or container that allows user namespaces, ' +
  'or set SANDBOX=off only when one trusted user runs the server on their own machine.';

/**
 * Every command path (bash, the session shell, `!cmd` spans of commands and skills, local MCP servers) meets this
 * when SANDBOX=required and bubblewrap can't run: the server keeps serving everything else.
 */
export class SandboxUnavailableError extends DomainError {
  constructor(reason: string) {
    super(
      'SandboxUnavailableError',
      503,
      `Commands are disabled on this server: the bubblewrap sandbox is not available (${reason}). ${SANDBOX_FIX}`,
      'sandbox_unavailable',
      { reason, fix: SANDBOX_FIX },
    );
  }
}

export class SandboxPathError extends BadRequestError {
  constructor(message: string, path: string) {
    super(message, { path }, 'sandbox_path');
  }
}
