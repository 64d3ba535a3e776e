import { DomainError, ForbiddenError, TooManyRequestsError } from '../../core/errors/domain-error';

/** Unknown, gone, or someone else's (another user's or school's terminal is not found, never forbidden). */
export class PtyNotFoundError extends DomainError {
  constructor(ptyID: string) {
    super('PtyNotFoundError', 404, `Terminal not found: ${ptyID}`, 'not_found', { ptyID });
  }
}

export class PtyLimitError extends TooManyRequestsError {
  constructor(message: string, limit: number) {
    super(message, 'pty_limit', { limit });
  }
}

/** The WebSocket's ticket is missing, used, expired or for another terminal. */
export class PtyTicketError extends ForbiddenError {
  constructor() {
    super('A valid, unused connect ticket for this terminal is required (POST /pty/{id}/connect-token)', 'pty_ticket');
  }
}
