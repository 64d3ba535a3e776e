import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, type Observable } from 'rxjs';

/**
 * OpenCode answers many routes with a bare JSON `true`; Express would send a boolean as text/html, and the
 * SDK would then read the string "true". Primitives leave as JSON.
 */
@Injectable()
export class JsonPrimitiveInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((data) => {
        if (typeof data !== 'boolean' && typeof data !== 'number' && data !== null) return data;
        const res = context.switchToHttp().getResponse<Response>();
        if (!res.headersSent) res.type('application/json');
        return JSON.stringify(data);
      }),
    );
  }
}
