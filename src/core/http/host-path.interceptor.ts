import { CallHandler, ExecutionContext, Injectable, NestInterceptor, StreamableFile } from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import type { AuthedRequest } from '../auth/auth.decorators';
import { HostPaths } from './host-paths';

/**
 * Every JSON answer leaves with the caller's view of host paths (see `HostPaths`): one door for projects,
 * sessions, files, find, tool parts, terminals and the rest, instead of a rewrite in each service.
 */
@Injectable()
export class HostPathInterceptor implements NestInterceptor {
  constructor(private readonly paths: HostPaths) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const view = this.paths.viewFor(context.switchToHttp().getRequest<AuthedRequest>().auth);
    if (!view) return next.handle();
    return next
      .handle()
      .pipe(
        map((data: unknown) => (data instanceof StreamableFile || Buffer.isBuffer(data) ? data : view.value(data))),
      );
  }
}
