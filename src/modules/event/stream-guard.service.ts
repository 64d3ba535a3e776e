import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import type { Role } from '../../core/auth/auth-context';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { ACCESS_CHANGED, accessChangeSchema, type AccessChange } from './access-changed.event';
import { EventBus } from './event.bus';

/** An open stream whose rights can end: `/event`, `/global/event` (a user's) or a public share stream (no user). */
export interface GuardedStream {
  tenantId: string;
  userId?: string;
  keyId?: string;
  role?: Role;
  /** The credential's own end (epoch ms): the stream closes then, whatever else holds. */
  expiresAt?: number;
  /** Re-reads the rights the stream runs on (uncached); false closes it. May widen the stream's scope in place. */
  stillAllowed(): Promise<boolean>;
  close(): void;
}

interface Entry {
  stream: GuardedStream;
  running?: Promise<void>;
  again: boolean;
  expiry?: NodeJS.Timeout;
}

const SWEEP_CONCURRENCY = 4;
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

  /** One check at a time per stream; a change that lands during a check runs it again (it may have read too early). */
  private check(entry: Entry): Promise<void> {
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
          ok = (expiresAt === undefined || expiresAt > Date.now()) && (await entry.stream.stillAllowed());
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
      const worker = async () => {
        for (let e = queue.shift(); e; e = queue.shift()) if (this.entries.has(e)) await this.check(e);
      };
      await Promise.all(Array.from({ length: SWEEP_CONCURRENCY }, worker));
    } finally {
      this.sweeping = false;
    }
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
