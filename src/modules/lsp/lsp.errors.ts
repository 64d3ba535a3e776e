import { DomainError, ServiceUnavailableError } from '../../core/errors/domain-error';

/** A request to a running server failed: it answered with an error, took too long, or exited. */
export class LspRequestError extends DomainError {
  constructor(serverID: string, method: string, reason: string) {
    super('LspRequestError', 502, `Language server ${serverID} failed on ${method}: ${reason}`, 'lsp_request', {
      serverID,
      method,
    });
  }
}

/** The server could not be started (or died during its handshake). */
export class LspStartError extends DomainError {
  constructor(serverID: string, reason: string) {
    super('LspStartError', 502, `Language server ${serverID} could not start: ${reason}`, 'lsp_start', { serverID });
  }
}

/** This API process already runs as many language servers as it allows. */
export class LspCapacityError extends ServiceUnavailableError {
  constructor(max: number) {
    super(`This server already runs its maximum of ${max} language servers; try again shortly`, { limit: max });
  }
}
