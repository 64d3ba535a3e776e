import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, customFetch, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { AuthContext, Role } from '../../../core/auth/auth-context';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/logging/logger';
import { egressGuard, type EgressGuard } from '../../../core/net/egress';
import { JwtRepository } from './jwt.repository';
import { DEFAULT_CLAIMS, type JwtSettings } from './jwt-settings';

const CACHE_MS = 30_000;
const ROLES: Role[] = ['admin', 'teacher', 'student'];

/**
 * Signs in users of the host platform from its JWTs: the issuer picks the tenant, the tenant's secret or JWKS
 * checks the signature, issuer and audience; claims give the user (provisioned on first sight), role and classes.
 */
@Injectable()
export class JwtAuthService {
  private readonly cache = new TtlCache<string, AuthContext | null>(CACHE_MS, 10_000);
  private readonly jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private readonly egress: EgressGuard;

  constructor(
    private readonly repo: JwtRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) app: AppConfig,
  ) {
    this.egress = egressGuard(app.egressAllow);
  }

  verify(token: string): Promise<AuthContext | null> {
    const hash = createHash('sha256').update(token).digest('hex');
    return this.cache.getWithTtl(hash, () => this.verifyUncached(token));
  }

  /** A refusal is cached like a success; a token is never trusted past its own expiry. */
  private async verifyUncached(token: string): Promise<{ value: AuthContext | null; ttlMs: number }> {
    const now = Date.now();
    let auth: AuthContext | null = null;
    let until = now + CACHE_MS;
    try {
      const { tenantId, settings, payload } = await this.check(token);
      auth = await this.signIn(tenantId, settings, payload);
      if (payload.exp) until = Math.min(until, payload.exp * 1000);
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'JWT refused');
    }
    return { value: auth, ttlMs: until - now };
  }

  /** Settings changed: forget verified tokens so the new rules apply at once. */
  forget(): void {
    this.cache.clear();
    this.jwks.clear();
  }

  private async check(token: string): Promise<{ tenantId: string; settings: JwtSettings; payload: JWTPayload }> {
    const iss = decodeJwt(token).iss;
    if (!iss) throw new Error('no issuer');
    const tenants = await this.repo.tenantsByIssuer(iss);
    if (tenants.length !== 1)
      throw new Error(tenants.length ? 'issuer is shared by several tenants' : 'unknown issuer');
    const { id: tenantId, settings } = tenants[0];
    const options = {
      issuer: settings.issuer,
      ...(settings.audience ? { audience: settings.audience } : {}),
      clockTolerance: 30,
    };
    if (settings.jwksUrl) {
      const { payload } = await jwtVerify(token, this.keySet(settings.jwksUrl), {
        ...options,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      });
      return { tenantId, settings, payload };
    }
    const secret = await this.repo.secret(tenantId);
    if (!secret) throw new Error('tenant has no JWT secret');
    const { payload } = await jwtVerify(token, new TextEncoder().encode(secret), { ...options, algorithms: ['HS256'] });
    return { tenantId, settings, payload };
  }

  private keySet(url: string) {
    let set = this.jwks.get(url);
    if (!set)
      this.jwks.set(
        url,
        (set = createRemoteJWKSet(new URL(url), {
          cooldownDuration: 30_000,
          cacheMaxAge: 600_000,
          [customFetch]: this.egress.fetch,
        })),
      );
    return set;
  }

  private async signIn(tenantId: string, settings: JwtSettings, payload: JWTPayload): Promise<AuthContext | null> {
    const claims = { ...DEFAULT_CLAIMS, ...settings.claims };
    const externalId = payload[claims.userId];
    if (typeof externalId !== 'string' && typeof externalId !== 'number') return null;
    const role = mapRole(payload[claims.role], settings.roleMap ?? {});
    let user = await this.repo.findUser(tenantId, String(externalId));
    if (!user) {
      const name =
        typeof payload[claims.name] === 'string' ? (payload[claims.name] as string).slice(0, 200) : String(externalId);
      const email = typeof payload[claims.email] === 'string' ? (payload[claims.email] as string) : undefined;
      user = await this.repo.provision(tenantId, { externalId: String(externalId), name, email, role });
    } else if (user.role !== role) {
      await this.repo.setRole(tenantId, user.id, role);
    }
    if (user.deletedAt) return null;
    const rawClasses = payload[claims.classes];
    const classIds = Array.isArray(rawClasses)
      ? await this.repo.syncClasses(
          tenantId,
          user.id,
          [
            ...new Set(
              rawClasses
                .filter((c): c is string | number => typeof c === 'string' || typeof c === 'number')
                .map(String),
            ),
          ].slice(0, 100),
          role === 'teacher' ? 'teacher' : 'student',
        )
      : await this.repo.classIds(tenantId, user.id);
    return { tenantId, userId: user.id, role, platformAdmin: user.platformAdmin, classIds };
  }
}

function mapRole(value: unknown, roleMap: Record<string, Role>): Role {
  const v = Array.isArray(value)
    ? value.find((x) => typeof x === 'string' && (roleMap[x] || ROLES.includes(x as Role)))
    : value;
  if (typeof v !== 'string') return 'student';
  return roleMap[v] ?? (ROLES.includes(v as Role) ? (v as Role) : 'student');
}
