import type { NextFunction, Request, Response } from 'express';
import type { AuthedRequest } from '../../core/auth/auth.decorators';
import { errorBody } from '../../core/errors/error-body';
import type { ApiKeyService } from '../auth/api-key.service';
import { extractKey } from '../auth/auth.guard';

/**
 * Bull Board is a plain express router, outside Nest's guards: this middleware lets only platform
 * administrators through. Browsers may use Basic auth (any user name, the key as password).
 */
export function platformAdminOnly(keys: ApiKeyService) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const key = extractKey(req as unknown as AuthedRequest);
      const auth = key ? await keys.verify(key) : null;
      if (!auth) {
        res
          .status(401)
          .setHeader('WWW-Authenticate', 'Basic realm="queues"')
          .json(errorBody('UnauthorizedError', 'Missing or invalid credentials', { code: 'unauthorized' }));
        return;
      }
      if (!auth.platformAdmin) {
        res.status(403).json(errorBody('ForbiddenError', 'Platform administrators only', { code: 'forbidden' }));
        return;
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}
