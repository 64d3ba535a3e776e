import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** OpenCode's instance selector: `?directory=` or the `x-opencode-directory` header (URL-encoded by the SDK). */
export function requestDirectory(req: Request): string | undefined {
  const q = req.query?.directory;
  if (typeof q === 'string' && q) return q;
  const h = req.header('x-opencode-directory');
  if (!h) return undefined;
  try {
    return decodeURIComponent(h);
  } catch {
    return h;
  }
}

export const Directory = createParamDecorator((_: unknown, ctx: ExecutionContext) =>
  requestDirectory(ctx.switchToHttp().getRequest<Request>()),
);
