import { DomainError, ForbiddenError } from '../errors/domain-error';

/** The URL points (or redirects, or resolves) somewhere outside the public internet. */
export class UnsafeUrlError extends ForbiddenError {
  constructor(message: string, url: string) {
    super(message, 'unsafe_url', { url });
  }
}

/** The remote side failed us: unreachable, too slow, too big, too many redirects. */
export class FetchFailedError extends DomainError {
  constructor(message: string, code: string, details: Record<string, unknown> = {}) {
    super('FetchFailedError', 502, message, code, details);
  }
}
