import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { finalize, from, mergeMap, Observable } from 'rxjs';
import type { AuthedRequest } from '../../core/auth/auth.decorators';
import { FairnessService } from './fairness.service';

/**
 * Admission of a prompt request before its own work (docs/operations.md, Fairness): after authentication, before
 * the body's validation and the intake's queries, the request waits for one of its school's intake slots. A class's
 * hundred prompts landing at once queue here without running their pipes and checks on the event loop, while another
 * school's prompt is validated and stored at once; nothing is refused, each is handled in its turn.
 */
@Injectable()
export class IntakeAdmissionInterceptor implements NestInterceptor {
  constructor(private readonly fairness: FairnessService) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const tenantId = context.switchToHttp().getRequest<AuthedRequest>().auth?.tenantId;
    if (!tenantId) return next.handle();
    return from(this.fairness.admit(tenantId)).pipe(
      mergeMap(
        (admitted) =>
          new Observable<unknown>((subscriber) =>
            admitted.run(() => next.handle().pipe(finalize(admitted.release)).subscribe(subscriber)),
          ),
      ),
    );
  }
}
