import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

interface RequestStore {
  requestId: string;
}

const storage = new AsyncLocalStorage<RequestStore>();

export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

const VALID_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type RequestWithId = Request & { requestId?: string };

/** The request's id: assigned once (the caller's x-request-id when sane), echoed in the response header. */
function requestIdOf(req: RequestWithId, res: Response): string {
  if (req.requestId) return req.requestId;
  const incoming = req.header('x-request-id');
  const requestId = incoming && VALID_ID.test(incoming) ? incoming : `req_${randomBytes(9).toString('base64url')}`;
  res.setHeader('x-request-id', requestId);
  req.requestId = requestId;
  return requestId;
}

/**
 * Gives every request an id and runs the rest of the chain with it in context. Mounted twice: first of all,
 * before the body parsers (so their errors have an id too), and again as Nest middleware, because the async
 * context does not survive the parsers' stream events; the second pass keeps the id the first one chose.
 */
export function requestIdMiddleware(req: Request, res: Response, next: NextFunction): void {
  const requestId = requestIdOf(req, res);
  storage.run({ requestId }, () => next());
}

/** The same for an error a body parser passes on (bad JSON, too large): the error filter then sees the id. */
export function requestIdOnError(err: unknown, req: Request, res: Response, next: NextFunction): void {
  const requestId = requestIdOf(req, res);
  storage.run({ requestId }, () => next(err));
}
