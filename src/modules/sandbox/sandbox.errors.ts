import { BadRequestError, ServiceUnavailableError } from '../../core/errors/domain-error';

export class SandboxUnavailableError extends ServiceUnavailableError {
  constructor(reason: string) {
    super(`The command sandbox is not available: ${reason}`, { code: 'sandbox_unavailable' });
  }
}

export class SandboxPathError extends BadRequestError {
  constructor(message: string, path: string) {
    super(message, { path }, 'sandbox_path');
  }
}
