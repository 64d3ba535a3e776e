import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import type { AuthContext } from '../../core/auth/auth-context';
import { TooManyRequestsError } from '../../core/errors/domain-error';
import { newId } from '../../core/ids';
import { ApiKeyRepository, type ApiKeyRecord } from './api-key.repository';
import { TtlCache } from '../../core/cache/ttl-cache';
import { ACCESS_CHANGED } from '../event/access-changed.event';
import { EventBus } from '../event/event.bus';

const KEY_PREFIX = 'oc_';
const CACHE_TTL_MS = 5_000;
const TOUCH_EVERY_MS = 60_000;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Creates and verifies API keys. Only a SHA-256 of a key is stored; its first characters are shown. */
@Injectable()
export class ApiKeyService implements OnModuleInit, OnModuleDestroy {
  // Verifications are cached briefly so the hot path (every request, every SSE reconnect) is not a query.
  private readonly cache = new TtlCache<string, AuthContext | null>(CACHE_TTL_MS, 10_000);
  private readonly touched = new Map<string, number>();

  private off?: () => void;

  constructor(
    private readonly keys: ApiKeyRepository,
    private readonly bus: EventBus,
  ) {}

  // A key revoked or a user deleted or re-roled through another API process: drop this process's cached
  // verifications too, so the next request is refused at once rather than after the cache's few seconds.
  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED,
      () => this.cache.clear(),
    );
  }

  onModuleDestroy(): void {
    this.off?.();
  }

  async issue(
    tenantId: string,
    userId: string,
    name: string,
    /**
     * `maxActive`: refuse (429) when the user already holds that many live keys. `plugin`: minted for that platform
     * plugin's `client`; such a key must expire and is swept once it has.
     */
    opts: { key?: string; expiresAt?: Date; maxActive?: number; plugin?: string } = {},
  ): Promise<{ key: string; record: ApiKeyRecord }> {
    const key = opts.key ?? `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
    const data = {
      id: newId('key'),
      tenantId,
      userId,
      name,
      prefix: key.slice(0, 10),
      hash: hashKey(key),
      expiresAt: opts.expiresAt,
      ...(opts.plugin ? { plugin: opts.plugin } : {}),
    };
    if (opts.plugin && !opts.expiresAt) throw new Error('A plugin key must expire');
    const record =
      opts.maxActive === undefined ? await this.keys.create(data) : await this.keys.createWithin(data, opts.maxActive);
    if (!record)
      throw new TooManyRequestsError(
        `A user may hold at most ${opts.maxActive} active API keys; revoke one first`,
        'limit_api_keys',
        { limit: String(opts.maxActive) },
      );
    return { key, record };
  }

  verify(key: string): Promise<AuthContext | null> {
    const hash = hashKey(key);
    return this.cache.get(hash, () => this.lookup(hash));
  }

  private async lookup(hash: string): Promise<AuthContext | null> {
    const now = Date.now();
    const row = await this.keys.findActiveByHash(hash);
    let auth: AuthContext | null = null;
    if (row && !row.revokedAt && !row.user.deletedAt && (!row.expiresAt || row.expiresAt.getTime() > now)) {
      auth = {
        tenantId: row.tenantId,
        userId: row.userId,
        role: row.user.role,
        platformAdmin: row.user.platformAdmin,
        keyId: row.id,
        classIds: row.user.classMembers.map((m) => m.classId),
        ...(row.expiresAt ? { expiresAt: row.expiresAt.getTime() } : {}),
      };
      if ((this.touched.get(row.id) ?? 0) + TOUCH_EVERY_MS < now) {
        this.touched.set(row.id, now);
        void this.keys.touch(row.id, new Date(now)).catch(() => undefined);
      }
    }
    return auth;
  }

  /**
   * The caller's rights as they stand now, uncached: null once the key is revoked or expired or the user deleted.
   * A JWT caller's role comes from their token (synced at sign-in), so only the deletion is read for them.
   */
  async current(auth: AuthContext): Promise<AuthContext | null> {
    return (await this.currentMany([auth]))[0];
  }

  /** `current` for many callers (every open stream's, at each re-check): one read per school for keys, one for users. */
  async currentMany(auths: AuthContext[]): Promise<(AuthContext | null)[]> {
    const schools = new Map<string, { keys: Set<string>; users: Set<string> }>();
    for (const a of auths) {
      let school = schools.get(a.tenantId);
      if (!school) schools.set(a.tenantId, (school = { keys: new Set(), users: new Set() }));
      if (a.keyId) school.keys.add(a.keyId);
      else school.users.add(a.userId);
    }
    type KeyRow = Awaited<ReturnType<ApiKeyRepository['keyPrincipals']>>[number];
    type UserRow = Awaited<ReturnType<ApiKeyRepository['userPrincipals']>>[number];
    const keys = new Map<string, KeyRow>();
    const users = new Map<string, UserRow>();
    await Promise.all(
      [...schools].flatMap(([tenantId, school]) => [
        school.keys.size &&
          this.keys.keyPrincipals(tenantId, [...school.keys]).then((rows) => {
            for (const row of rows) keys.set(`${tenantId}\0${row.id}`, row);
          }),
        school.users.size &&
          this.keys.userPrincipals(tenantId, [...school.users]).then((rows) => {
            for (const row of rows) users.set(`${tenantId}\0${row.id}`, row);
          }),
      ]),
    );
    const now = Date.now();
    return auths.map((auth) => {
      if (auth.keyId) {
        const row = keys.get(`${auth.tenantId}\0${auth.keyId}`);
        if (!row || row.revokedAt || row.user.deletedAt || (row.expiresAt && row.expiresAt.getTime() <= now))
          return null;
        return { ...auth, role: row.user.role, platformAdmin: row.user.platformAdmin };
      }
      const user = users.get(`${auth.tenantId}\0${auth.userId}`);
      return user && !user.deletedAt ? { ...auth, platformAdmin: user.platformAdmin } : null;
    });
  }

  list(auth: AuthContext, userId?: string) {
    return this.keys.list(auth.tenantId, userId);
  }

  find(auth: AuthContext, id: string) {
    return this.keys.find(auth.tenantId, id);
  }

  /** Forget cached verifications (after a user or key is disabled elsewhere). */
  forgetCached(): void {
    this.cache.clear();
  }

  /** Removes the expired keys of plugin clients in every school; returns how many went. */
  sweepExpiredPluginKeys(now = new Date()): Promise<number> {
    return this.keys.deleteExpiredPluginKeys(now);
  }

  async revoke(auth: AuthContext, id: string) {
    const record = await this.keys.revoke(auth.tenantId, id);
    this.cache.clear();
    return record;
  }
}
