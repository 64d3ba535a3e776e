import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { createRemoteJWKSet, JWTPayload } from 'jose';
import type { Logger } from 'pino';
import type { AuthContext, Role } from '../../../core/auth/auth-context';
import { TtlCache } from '../../../core/cache/ttl-cache';
import { APP_CONFIG, type AppConfig } from '../../../core/config/app-config';
import { LOGGER } from '../../../core/logging/logger';
import { egressGuard, type EgressGuard } from '../../../core/net/egress';
import { deletedExternalId } from '../../../core/auth/deleted-identity';
import { ACCESS_CHANGED } from '../../event/access-changed.event';
import { EventBus } from '../../event/event.bus';
import { JwtRepository } from './jwt.repository';
import { JwtSecretService } from './jwt-secret.service';
import { DEFAULT_CLAIMS, type JwtSettings } from './jwt-settings';
import { lazyModule } from '../../../core/lazy/lazy-module';

// jose loads with the first bearer token that is not an API key, not at boot (most deployments use keys only).

const jose = lazyModule(() => require('jose') as typeof import('jose'));

const CACHE_MS = 30_000;
const ROLES: Role[] = ['admin', 'teacher', 'student'];

/** A verified token's user, a refusal the caller should hear about, or nothing (an invalid token: plain 401). */
export type JwtOutcome = { auth: AuthContext } | { refused: 'account_deleted' } | null;

class AccountDeleted extends Error {}

/**
 * Signs in users of the host platform from its JWTs: the issuer picks the tenant, the tenant's secret or JWKS
 * checks the signature, issuer and audience; claims give the user (provisioned on first sight), role and classes.
 */
@Injectable()
export class JwtAuthService implements OnModuleInit, OnModuleDestroy {
  private readonly cache = new TtlCache<string, JwtOutcome>(CACHE_MS, 10_000);
  private readonly jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  private readonly egress: EgressGuard;
  private off?: () => void;

  constructor(
    private readonly repo: JwtRepository,
    private readonly secrets: JwtSecretService,
    private readonly bus: EventBus,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) app: AppConfig,
  ) {
    this.egress = egressGuard(app.egressAllow);
  }

  // A user deleted or re-roled (on any process): verified tokens are checked again at their next request.
  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED,
      () => this.cache.clear(),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  verify(token: string): Promise<JwtOutcome> {
    const hash = createHash('sha256').update(token).digest('hex');
    return this.cache.getWithTtl(hash, () => this.verifyUncached(token));
  }

  /** A refusal is cached like a success; a token is never trusted past its own expiry. */
  private async verifyUncached(token: string): Promise<{ value: JwtOutcome; ttlMs: number }> {
    const now = Date.now();
    let outcome: JwtOutcome = null;
    let until = now + CACHE_MS;
    try {
      const { tenantId, settings, payload } = await this.check(token);
      const auth = await this.signIn(tenantId, settings, payload);
      outcome = auth ? { auth: { ...auth, expiresAt: payload.exp! * 1000 } } : null;
      until = Math.min(until, payload.exp! * 1000);
    } catch (err) {
      if (err instanceof AccountDeleted) outcome = { refused: 'account_deleted' };
      this.logger.debug({ err: (err as Error).message }, 'JWT refused');
    }
    return { value: outcome, ttlMs: until - now };
  }

  /** Settings changed: forget verified tokens so the new rules apply at once. */
  forget(): void {
    this.cache.clear();
    this.jwks.clear();
  }

  private async check(token: string): Promise<{ tenantId: string; settings: JwtSettings; payload: JWTPayload }> {
    const iss = jose().decodeJwt(token).iss;
    if (!iss) throw new Error('no issuer');
    const tenants = await this.repo.tenantsByIssuer(iss);
    if (tenants.length !== 1)
      throw new Error(tenants.length ? 'issuer is shared by several tenants' : 'unknown issuer');
    const { id: tenantId, settings } = tenants[0];
    // Settings saved before the audience was required cannot sign anyone in until an admin names one.
    if (!settings.audience) throw new Error('tenant JWT settings name no audience');
    const options = {
      issuer: settings.issuer,
      audience: settings.audience,
      requiredClaims: ['exp', 'aud', 'iss'],
      clockTolerance: 30,
    };
    if (settings.jwksUrl) {
      const { payload } = await jose().jwtVerify(token, this.keySet(settings.jwksUrl), {
        ...options,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384', 'EdDSA'],
      });
      return { tenantId, settings, payload };
    }
    const secret = await this.secrets.get(tenantId);
    if (!secret) throw new Error('tenant has no usable (sealed) JWT secret');
    const { payload } = await jose().jwtVerify(token, new TextEncoder().encode(secret), {
      ...options,
      algorithms: ['HS256'],
    });
    return { tenantId, settings, payload };
  }

  private keySet(url: string) {
    let set = this.jwks.get(url);
    if (!set)
      this.jwks.set(
        url,
        (set = jose().createRemoteJWKSet(new URL(url), {
          cooldownDuration: 30_000,
          cacheMaxAge: 600_000,
          [jose().customFetch]: this.egress.fetch,
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
    // A deleted account keeps a tombstone of its external id: its next token is refused, not a fresh account.
    if (
      user?.deletedAt ||
      (!user && (await this.repo.findUser(tenantId, deletedExternalId(tenantId, String(externalId)))))
    )
      throw new AccountDeleted(`account ${String(externalId)} was deleted`);
    if (!user) {
      const name =
        typeof payload[claims.name] === 'string' ? (payload[claims.name] as string).slice(0, 200) : String(externalId);
      const email = typeof payload[claims.email] === 'string' ? (payload[claims.email] as string) : undefined;
      user = await this.repo.provision(tenantId, { externalId: String(externalId), name, email, role });
    } else if (user.role !== role) {
      await this.repo.setRole(tenantId, user.id, role);
    }
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
