import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request, Response } from 'express';
import type { Observable } from 'rxjs';

/**
 * OpenCode answers every successful POST with 200 (POST /session included); Nest defaults to 201. OpenCode's
 * routes keep 200; our own `/admin` creation routes keep 201 Created.
 */
@Injectable()
export class PostStatusInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    const res = context.switchToHttp().getResponse<Response>();
    if (req.method === 'POST' && res.statusCode === 201 && !req.path.startsWith('/admin/')) res.status(200);
    return next.handle();
  }
}
