import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AuthContext, Role } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { ACCESS_CHANGED, accessChangeSchema, type AccessChange } from './access-changed.event';
import { EventBus } from './event.bus';
import { STREAM_RIGHTS, type StreamRights } from './stream-access.port';

/** An open stream whose rights can end: `/event`, `/global/event` (a user's) or a public share stream (no user). */
export interface GuardedStream {
  tenantId: string;
  userId?: string;
  keyId?: string;
  role?: Role;
  /** The credential's own end (epoch ms): the stream closes then, whatever else holds. */
  expiresAt?: number;
  /**
   * The caller the stream was opened for, when its rights are a caller's: the sweep then reads every such stream's
   * current rights in one go and hands each its own as `now` (null: they are gone).
   */
  auth?: AuthContext;
  /**
   * Re-reads the rights the stream runs on (uncached; `now`, when given, is the caller's as the sweep just read
   * them); false closes it. May widen the stream's scope in place.
   */
  stillAllowed(now?: AuthContext | null): Promise<boolean>;
  close(): void;
}

interface Entry {
  stream: GuardedStream;
  running?: Promise<void>;
  again: boolean;
  expiry?: NodeJS.Timeout;
}

const SWEEP_CONCURRENCY = 4;
/** Callers whose rights one read of the sweep looks up at most. */
const RIGHTS_PER_READ = 500;
/** setTimeout's longest delay; a later expiry re-arms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Access ends when rights end. Each door that narrows rights publishes one `internal.access.changed` event (see
 * `announce`); every API process hears it through the bus and re-checks the open streams it touches, closing those
 * whose rights are gone (the client reconnects, and the auth guard answers with today's rights). A periodic sweep
 * re-checks every open stream as a backstop for an event lost to a Redis outage or a crash between commit and
 * publish.
 */
@Injectable()
export class StreamGuard implements OnModuleInit, OnModuleDestroy {
  private readonly entries = new Set<Entry>();
  private off?: () => void;
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly bus: EventBus,
    @Inject(STREAM_RIGHTS) private readonly rights: StreamRights,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.off = this.bus.subscribe(
      (e) => e.event.type === ACCESS_CHANGED,
      (e) => {
        const change = accessChangeSchema.safeParse(e.event.properties);
        if (change.success) this.onChange(e.tenantId, change.data);
      },
    );
    this.timer = setInterval(() => void this.sweep(), this.config.accessRecheckMs);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    this.off?.();
    clearInterval(this.timer);
    for (const entry of this.entries) clearTimeout(entry.expiry);
  }

  /** The one way a door tells every process that rights changed in a tenant (after its write committed). */
  announce(tenantId: string, change: AccessChange): void {
    this.bus.publish({ tenantId, type: ACCESS_CHANGED, properties: accessChangeSchema.parse(change) });
  }

  /** Watches a stream until the returned function is called (on close). */
  register(stream: GuardedStream): () => void {
    const entry: Entry = { stream, again: false };
    this.entries.add(entry);
    if (stream.expiresAt !== undefined) this.armExpiry(entry, stream.expiresAt);
    return () => this.drop(entry);
  }

  /** A token or key that expires ends its streams at that moment, not at the next re-check. */
  private armExpiry(entry: Entry, at: number): void {
    const wait = at - Date.now();
    if (wait <= 0) return this.end(entry);
    entry.expiry = setTimeout(() => this.armExpiry(entry, at), Math.min(wait, MAX_TIMER_MS));
    entry.expiry.unref();
  }

  private drop(entry: Entry): boolean {
    clearTimeout(entry.expiry);
    return this.entries.delete(entry);
  }

  private end(entry: Entry): void {
    if (this.drop(entry)) entry.stream.close();
  }

  get size(): number {
    return this.entries.size;
  }

  private onChange(tenantId: string, change: AccessChange): void {
    for (const entry of this.entries)
      if (entry.stream.tenantId === tenantId && affects(entry.stream, change)) void this.check(entry);
  }

  /**
   * One check at a time per stream; a change that lands during a check runs it again (it may have read too early,
   * so the again reads for itself). `read` holds the caller's rights as a sweep read them.
   */
  private check(entry: Entry, read?: { now: AuthContext | null }): Promise<void> {
    if (entry.running) {
      entry.again = true;
      return entry.running;
    }
    entry.running = (async () => {
      do {
        entry.again = false;
        let ok = true;
        try {
          const { expiresAt } = entry.stream;
          const given = read;
          read = undefined;
          ok = (expiresAt === undefined || expiresAt > Date.now()) && (await entry.stream.stillAllowed(given?.now));
        } catch (err) {
          // The database is unreachable: keep the stream (its reconnect would fail the same way) and retry later.
          this.logger.warn({ err }, 'stream access re-check failed');
        }
        if (!ok) return this.end(entry);
      } while (entry.again && this.entries.has(entry));
    })().finally(() => (entry.running = undefined));
    return entry.running;
  }

  private async sweep(): Promise<void> {
    if (this.sweeping || !this.entries.size) return;
    this.sweeping = true;
    try {
      const queue = [...this.entries];
      const rights = await this.rightsOf(queue);
      const worker = async () => {
        for (let e = queue.shift(); e; e = queue.shift()) if (this.entries.has(e)) await this.check(e, rights.get(e));
      };
      await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
    } finally {
      this.sweeping = false;
    }
  }

  /**
   * The current rights of every stream opened for a caller, in one read per school (a stream each re-reading its
   * own was a query per open stream every ACCESS_RECHECK_MS). Unreadable: each check reads its own.
   */
  private async rightsOf(entries: Entry[]): Promise<Map<Entry, { now: AuthContext | null }>> {
    const mine = entries.filter((e) => e.stream.auth);
    const out = new Map<Entry, { now: AuthContext | null }>();
    for (let i = 0; i < mine.length; i += RIGHTS_PER_READ) {
      const part = mine.slice(i, i + RIGHTS_PER_READ);
      try {
        const now = await this.rights.currentMany(part.map((e) => e.stream.auth!));
        part.forEach((e, j) => out.set(e, { now: now[j] }));
      } catch (err) {
        this.logger.warn({ err }, 'stream access re-check read failed; checking one by one');
      }
    }
    return out;
  }
}

/** Which open streams a change can narrow. */
function affects(s: GuardedStream, change: AccessChange): boolean {
  switch (change.reason) {
    case 'key.revoked':
      return !!s.keyId && s.keyId === change.keyId;
    case 'user.deleted':
    case 'user.updated':
      return !!s.userId && s.userId === change.userId;
    case 'class.changed':
      // Who a teacher oversees comes from the class rosters; students and admins see by ownership and role.
      return s.role === 'teacher';
    case 'tenant.settings':
    case 'tenant.deleted':
      return true;
    case 'policy.changed':
      // What a user may pick next, not what they may read.
      return false;
  }
}
