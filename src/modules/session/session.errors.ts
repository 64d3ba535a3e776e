import { ConflictError } from '../../core/errors/domain-error';

export class SessionBusyError extends ConflictError {
  constructor(sessionId: string) {
    super('SessionBusyError', `Session ${sessionId} is busy`, { sessionID: sessionId }, 'session_busy');
  }
}
