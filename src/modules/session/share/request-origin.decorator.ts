import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** `<protocol>://<host>` of the request, for links when PUBLIC_URL is not configured. */
export const RequestOrigin = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const req = ctx.switchToHttp().getRequest<Request>();
  return `${req.protocol}://${req.get('host') ?? 'localhost'}`;
});
