import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuthContext, Role } from '../../core/auth/auth-context';
import {
  IS_PUBLIC,
  METRICS_TOKEN,
  PLATFORM_ADMIN,
  QUERY_TOKEN,
  REQUIRED_ROLES,
  type AuthedRequest,
} from '../../core/auth/auth.decorators';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { ForbiddenError, UnauthorizedError } from '../../core/errors/domain-error';
import { ApiKeyService } from './api-key.service';
import { JwtAuthService } from './jwt/jwt-auth.service';
import { looksLikeJwt } from './jwt/jwt-settings';
import { RATE_LIMITER, type RateLimiter } from './rate-limiter.port';

/**
 * Extracts the key from `Authorization: Bearer`, `Authorization: Basic` (password), or — on event streams only
 * (`opts.query`) — `?auth_token=`.
 */
export function extractKey(req: AuthedRequest, opts: { query?: boolean } = {}): string | undefined {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, value] = header.split(' ', 2);
    if (/^bearer$/i.test(scheme) && value) return value.trim();
    if (/^basic$/i.test(scheme) && value) return basicPassword(value);
  }
  const token = opts.query && typeof req.query?.auth_token === 'string' ? req.query.auth_token : undefined;
  return token ? basicPassword(token) : undefined;
}

function basicPassword(b64: string): string | undefined {
  const decoded = Buffer.from(b64.trim(), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i >= 0 ? decoded.slice(i + 1) : decoded || undefined;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
    private readonly jwt: JwtAuthService,
    @Inject(RATE_LIMITER) private readonly rateLimit: RateLimiter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const key = extractKey(req, { query: this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, targets) });
    if (!key && req.query?.auth_token !== undefined)
      throw new UnauthorizedError('?auth_token= is accepted on event streams only; send an Authorization header');
    if (key && this.reflector.getAllAndOverride<boolean>(METRICS_TOKEN, targets) && this.isMetricsToken(key))
      return true;
    // Host-platform JWTs (two dots) besides our API keys.
    const auth = !key ? null : looksLikeJwt(key) ? await this.fromJwt(key) : await this.keys.verify(key);
    if (!auth) throw new UnauthorizedError();
    req.auth = auth;
    await this.rateLimit.check(auth);
    if (this.reflector.getAllAndOverride<boolean>(PLATFORM_ADMIN, targets) && !auth.platformAdmin) {
      throw new ForbiddenError('Platform administrators only');
    }
    const roles = this.reflector.getAllAndOverride<Role[]>(REQUIRED_ROLES, targets);
    if (roles?.length && !roles.includes(auth.role) && !auth.platformAdmin) {
      throw new ForbiddenError(`Requires role ${roles.join(' or ')}`);
    }
    return true;
  }

  /** Constant-time on digests, so neither the token's bytes nor its length leak through timing. */
  private isMetricsToken(key: string): boolean {
    const expected = this.config.metrics.token;
    if (!expected) return false;
    const digest = (s: string) => createHash('sha256').update(s).digest();
    return timingSafeEqual(digest(key), digest(expected));
  }

  private async fromJwt(token: string): Promise<AuthContext | null> {
    const outcome = await this.jwt.verify(token);
    if (outcome && 'refused' in outcome)
      throw new ForbiddenError(
        'This account was deleted by the school; signing in again does not re-create it',
        'account_deleted',
      );
    return outcome?.auth ?? null;
  }
}
