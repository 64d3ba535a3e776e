import type { NextFunction, Request, Response } from 'express';
import { errorBody } from '../errors/error-body';
import type { AppConfig } from '../config/app-config';
import type { LoopLag } from '../lifecycle/loop-lag';

/** What an overloaded process refuses: the requests that start lasting work on it. */
export type SheddableKind = 'prompt' | 'stream';

// A prompt starts a loop that streams for minutes; an event stream adds a subscriber every delta of its sessions is
// written to. Everything else (reads, health, /metrics, admin) is cheap next to them and stays answered: an
// operator must be able to see an overloaded process, and a client to read what it already has.
const SHEDDABLE: [method: string, path: RegExp, kind: SheddableKind][] = [
  ['POST', /^\/session\/[^/]+\/(message|prompt_async|command|shell)\/?$/, 'prompt'],
  ['GET', /^\/(global\/)?event\/?$/, 'stream'],
  ['GET', /^\/share\/[^/]+\/event\/?$/, 'stream'],
];

export function sheddableKind(method: string, path: string): SheddableKind | undefined {
  for (const [m, pattern, kind] of SHEDDABLE) if (method === m && pattern.test(path)) return kind;
  return undefined;
}

/**
 * Admission control: while the event loop is behind by more than the limit, new prompts and new event streams get
 * a 503 with Retry-After instead of joining work the process is already late with. Without it, "too many streams"
 * is streams that never start and a process that answers nothing, /metrics included (bench/README session 10).
 */
export function overloadGate(opts: AppConfig['overload'], lag: LoopLag, refused: (kind: SheddableKind) => void) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!opts.lagMs) return next();
    const kind = sheddableKind(req.method, req.path);
    if (!kind) return next();
    const behind = lag.ms;
    if (behind <= opts.lagMs) return next();
    refused(kind);
    res.setHeader('Retry-After', String(opts.retryAfterS));
    res.status(503).json(
      errorBody('ServiceOverloadedError', 'The server is overloaded; retry later', {
        code: 'overloaded',
        retryAfter: opts.retryAfterS,
        lagMs: Math.round(behind),
      }),
    );
  };
}
