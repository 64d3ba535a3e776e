// Typed domain errors. Services throw these (never HttpException); the global filter maps `status`
// and renders OpenCode's body `{name, data: {message, ...details}}`.

export type ErrorDetails = Record<string, unknown>;

export class DomainError extends Error {
  constructor(
    /** OpenCode-style error name, e.g. `NotFoundError`, `SessionBusyError`. */
    readonly errorName: string,
    readonly status: number,
    message: string,
    readonly code?: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message);
    this.name = errorName;
  }
}

export class NotFoundError extends DomainError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('NotFoundError', 404, message, 'not_found', details);
  }
}

export class BadRequestError extends DomainError {
  constructor(message: string, details: ErrorDetails = {}, code = 'bad_request') {
    super('BadRequest', 400, message, code, details);
  }
}

export class ConflictError extends DomainError {
  constructor(name: string, message: string, details: ErrorDetails = {}, code = 'conflict') {
    super(name, 409, message, code, details);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(message = 'Missing or invalid credentials') {
    super('UnauthorizedError', 401, message, 'unauthorized');
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = 'Not allowed', code = 'forbidden', details: ErrorDetails = {}) {
    super('ForbiddenError', 403, message, code, details);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(message: string, code: string, details: ErrorDetails = {}) {
    super('TooManyRequestsError', 429, message, code, details);
  }
}

export class ServiceUnavailableError extends DomainError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('ServiceUnavailableError', 503, message, 'unavailable', details);
  }
}
