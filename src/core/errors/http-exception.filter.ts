import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Logger } from 'pino';
import { randomBytes } from 'node:crypto';
import { Prisma } from '../../generated/prisma/client';
import type { AuthedRequest } from '../auth/auth.decorators';
import { HostPaths } from '../http/host-paths';
import { LOGGER } from '../logging/logger';
import { DomainError } from './domain-error';
import { errorBody } from './error-body';
import { isServiceUnavailable } from './unavailable';

const HTTP_NAMES: Record<number, string> = {
  400: 'BadRequest',
  401: 'UnauthorizedError',
  403: 'ForbiddenError',
  404: 'NotFoundError',
  405: 'MethodNotAllowedError',
  409: 'ConflictError',
  413: 'PayloadTooLargeError',
  415: 'UnsupportedMediaTypeError',
  429: 'TooManyRequestsError',
  503: 'ServiceUnavailableError',
};

// Prisma error codes → status (cal.com style): unique → 409, missing record → 404, bad reference → 400.
const PRISMA_STATUS: Record<string, [number, string]> = {
  P2002: [409, 'ConflictError'],
  P2025: [404, 'NotFoundError'],
  P2003: [400, 'BadRequest'],
  P2000: [400, 'BadRequest'],
  P2006: [400, 'BadRequest'],
  P2011: [400, 'BadRequest'],
};

// Postgres refuses NUL in text (22021) and in jsonb (22P05); the codes ride on the driver adapter error's cause.
const NUL_TEXT_CODES = new Set(['22021', '22P05']);
const NUL_TEXT_ERRORS =
  /invalid byte sequence for encoding "UTF8": 0x00|unsupported Unicode escape sequence|\\u0000 cannot be converted to text/;

/** The one global filter: every error leaves as OpenCode's body, never a stack. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  constructor(
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly paths: HostPaths,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) {
      if (!res.writableEnded) res.end();
      return;
    }
    const [status, rendered] = this.render(exception);
    // A message may name a server path (a workspace error, a git failure): shown as the caller sees paths.
    const view = this.paths.viewFor(host.switchToHttp().getRequest<AuthedRequest>().auth);
    const body = view ? view.value(rendered) : rendered;
    if (status === 429) {
      const retryAfter = retryAfterSeconds(body.data);
      if (retryAfter !== undefined) res.setHeader('Retry-After', String(retryAfter));
    }
    res.status(status).json(body);
  }

  private render(exception: unknown): [number, ReturnType<typeof errorBody>] {
    if (exception instanceof DomainError) {
      return [
        exception.status,
        errorBody(exception.errorName, exception.message, {
          ...(exception.code ? { code: exception.code } : {}),
          ...exception.details,
        }),
      ];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse() as string | { message?: string | string[] };
      const raw = typeof response === 'string' ? response : response.message;
      const message = Array.isArray(raw) ? raw.join('; ') : (raw ?? exception.message);
      return [
        status,
        errorBody(
          HTTP_NAMES[status] ?? (status >= 500 ? 'UnknownError' : 'BadRequest'),
          message,
          status === 400 ? { kind: 'Payload' } : {},
        ),
      ];
    }
    // Before the Prisma table: a database that is down is a 503 whichever error class carries it.
    if (isServiceUnavailable(exception)) {
      this.logger.warn({ err: exception }, 'database or queue unavailable');
      return [
        503,
        errorBody('ServiceUnavailableError', 'A backing service is unavailable; retry shortly', {
          code: 'unavailable',
        }),
      ];
    }
    if (exception instanceof Prisma.PrismaClientKnownRequestError) {
      const mapped = PRISMA_STATUS[exception.code];
      if (mapped) {
        const message =
          mapped[0] === 404 ? 'Not found' : mapped[0] === 409 ? 'Already exists' : 'Invalid reference or value';
        return [mapped[0], errorBody(mapped[1], message, { code: exception.code })];
      }
    }
    const text = exception instanceof Error ? exception.message : String(exception);
    const pgCode = (exception as { cause?: { originalCode?: unknown } } | undefined)?.cause?.originalCode;
    if ((typeof pgCode === 'string' && NUL_TEXT_CODES.has(pgCode)) || NUL_TEXT_ERRORS.test(text)) {
      return [400, errorBody('BadRequest', 'Text must not contain NUL (\\u0000) characters', { kind: 'Payload' })];
    }
    const ref = `err_${randomBytes(4).toString('hex')}`;
    this.logger.error({ err: exception, ref }, 'unhandled error');
    return [500, errorBody('UnknownError', 'Unexpected server error. Check server logs for details.', { ref })];
  }
}

/** A refusal's `Retry-After` (seconds): its `retryAfter`, else the time until its `resetsAt` (budgets). */
function retryAfterSeconds(data: Record<string, unknown>): number | undefined {
  if (typeof data.retryAfter === 'number' && data.retryAfter >= 0) return Math.ceil(data.retryAfter);
  const at = typeof data.resetsAt === 'string' ? Date.parse(data.resetsAt) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(1, Math.ceil((at - Date.now()) / 1000));
}
