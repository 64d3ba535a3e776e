import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { newId } from '../../core/ids';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { APP_CONFIG, type AppConfig } from '../../core/config/app-config';
import { LOGGER } from '../../core/logging/logger';
import { EVENT_TRANSPORT } from './event.tokens';
import { EventType, type EventEnvelope, type EventTransport, type PublishInput } from './event.types';

/** Sessions whose last answer's first delta is remembered (a session forgotten sends one more at once, no harm). */
const MAX_OPENED = 10_000;
/** The longest a step waits for its answer's first delta to reach this process's streams (a read-back held up). */
const FIRST_DELTA_WAIT_MS = 20;

type Handler = (envelope: EventEnvelope) => void;
type Entry = { filter: (e: EventEnvelope) => boolean; handler: Handler };

/**
 * What a subscriber's filter is known to let through at most: that school's events only, and of those only the
 * session's (`sessionId`) or only the ones owned by that user or by nobody (`ownerId`). The bus offers an event to
 * the subscribers whose route can match it instead of to all of them; the filter still decides.
 */
export interface SubscriberRoute {
  tenantId: string;
  sessionId?: string;
  ownerId?: string;
}

/** One school's routed subscribers: everything of the school, by session, by owner. */
interface TenantIndex {
  wide: Set<Entry>;
  bySession: Map<string, Set<Entry>>;
  byOwner: Map<string, Set<Entry>>;
}

/** A streamed piece waiting to go out (end of this turn, or the next tick of the delta clock); later pieces join it. */
interface PendingDelta {
  input: PublishInput;
}

/**
 * Typed, tenant-scoped event bus (STYLE rule 12). Publishing appends to the transport (Redis stream or memory
 * ring); every process delivers what the transport yields to its local subscribers (SSE streams, waiters).
 */
@Injectable()
export class EventBus implements OnModuleInit, OnModuleDestroy {
  private readonly unrouted = new Set<Entry>();
  private readonly tenants = new Map<string, TenantIndex>();
  private subscribed = 0;
  private localSeq = 0;
  private readonly deltas = new Map<string, PendingDelta>();
  /** When each session's last delta went out and of which message, for the sessions that sent one within deltaBatchMs. */
  private readonly deltaSent = new Map<string, { at: number; message: unknown }>();
  /** The message whose first delta each session sent last (bounded: the oldest sessions are forgotten first). */
  private readonly opened = new Map<string, unknown>();
  private deltaFlush?: NodeJS.Immediate;
  private deltaTick?: NodeJS.Timeout;
  /** First deltas sent at once that this process's streams wait for, by event id: each resolves once delivered. */
  private readonly awaited = new Map<string, () => void>();
  /** The longest such a wait lasts (a read-back held up or lost); a test on a loaded machine may lengthen it. */
  firstDeltaWaitMs = FIRST_DELTA_WAIT_MS;

  /**
   * The delta clock (EVENT_DELTA_BATCH_MS): a session's text deltas go out at most this often while it streams, the
   * first of each message at once (a new answer's first token waits neither for the clock of the one before it nor
   * for the rest of the provider's read to be handled); the pieces in between join the waiting one. A model streams
   * a token every 10-40 ms, and an event per token costs a Redis append and read and a socket write per subscriber,
   * most of the delta path's cost; 20 updates a second read as smoothly as 50. Every session's waiting deltas go out on the same
   * tick, in one Redis pipeline.
   */
  private readonly deltaBatchMs: number;
  /**
   * The longest the clock stretches to (EVENT_DELTA_MAX_MS) while its ticks run late, i.e. while this process is
   * behind: an event costs the same whatever it carries (an append, a read-back, a socket write per subscriber, most
   * of a stream's cost), so a process that cannot keep up sends each session's pieces in fewer, larger events
   * instead of falling further behind. A tick on time lets the period shrink back to deltaBatchMs.
   */
  private readonly deltaMaxMs: number;
  /** The clock's current period: deltaBatchMs, longer while its ticks run late (see tick). */
  private deltaPeriod: number;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(APP_CONFIG) config: Pick<AppConfig, 'deltaBatchMs'> & Partial<Pick<AppConfig, 'deltaMaxMs'>>,
  ) {
    this.deltaBatchMs = this.deltaPeriod = config.deltaBatchMs;
    // A clock that is off (0: an event per turn of the event loop) stays off.
    const maxMs = config.deltaBatchMs ? (config.deltaMaxMs ?? 0) : 0;
    this.deltaMaxMs = Math.max(config.deltaBatchMs, maxMs);
  }

  async onModuleInit(): Promise<void> {
    await this.transport.start((e) => this.deliver(e));
  }

  async onModuleDestroy(): Promise<void> {
    this.flushDeltas();
    if (!(await settlesWithin(this.transport.stop(), 3000)))
      this.logger.warn('event transport did not stop within 3 s; going on');
    this.unrouted.clear();
    this.tenants.clear();
    this.subscribed = 0;
  }

  /**
   * Fire-and-forget; events from one process keep their order. A message's first text delta goes out at once.
   * Later ones wait until the end of this turn of the event loop, or, when the session sent one less than
   * deltaBatchMs ago, until the next tick of the delta clock; the deltas of the same part that arrive meanwhile go
   * out as one event with the text joined. Any other event of the session sends its waiting delta first.
   */
  publish(input: PublishInput): void {
    const session = input.sessionId;
    if (session && input.type === EventType.PartDelta) return void this.queueDelta(session, input);
    if (session && this.deltas.size) this.flushDelta(session);
    this.append(input);
  }

  /**
   * A streamed piece of a part (PartDelta), as `publish`. When it is an answer's first, sent at once, and a stream
   * of this process is to receive it, the promise settles once it was written to those streams (at most
   * FIRST_DELTA_WAIT_MS later): the step hands its rest of the provider's read on only then, so the first token
   * does not wait behind the handling of the whole reply (a fast model's reply comes in one read).
   */
  publishDelta(input: Omit<PublishInput, 'type'> & { sessionId: string }): Promise<void> | undefined {
    return this.queueDelta(input.sessionId, input);
  }

  private queueDelta(session: string, input: Omit<PublishInput, 'type'>): Promise<void> | undefined {
    const p = input.properties;
    const pending = this.deltas.get(session);
    // Compared field by field: this runs for every token of every stream.
    const q = pending?.input.properties;
    if (
      q &&
      q.messageID === p.messageID &&
      q.partID === p.partID &&
      q.field === p.field &&
      typeof p.delta === 'string'
    ) {
      q.delta = `${String(q.delta)}${p.delta}`;
      return;
    }
    if (pending) this.flushDelta(session);
    this.deltas.set(session, { input: { ...input, type: EventType.PartDelta, properties: { ...p } } });
    if (this.opened.get(session) !== p.messageID) {
      // Once per answer: the cost of an append of its own is nothing beside the stream's.
      this.opened.delete(session);
      this.opened.set(session, p.messageID);
      if (this.opened.size > MAX_OPENED) this.opened.delete(this.opened.keys().next().value!);
      return this.flushDelta(session, true);
    }
    const sent = this.deltaSent.get(session);
    if (sent && sent.message === p.messageID && performance.now() - sent.at < this.deltaPeriod)
      this.deltaTick ??= this.armTick();
    else this.deltaFlush ??= setImmediate(() => this.flushDeltas());
  }

  private flushDelta(session: string, now = false): Promise<void> | undefined {
    const pending = this.deltas.get(session);
    if (!pending) return;
    this.deltas.delete(session);
    this.deltaSent.set(session, { at: performance.now(), message: pending.input.properties.messageID });
    return this.append(pending.input, now);
  }

  private flushDeltas(): void {
    if (this.deltaFlush) clearImmediate(this.deltaFlush);
    if (this.deltaTick) clearTimeout(this.deltaTick);
    this.deltaFlush = this.deltaTick = undefined;
    for (const session of [...this.deltas.keys()]) this.flushDelta(session);
    // Sessions quiet for a period are forgotten: their next delta goes out at once again.
    const stale = performance.now() - this.deltaPeriod;
    for (const [session, sent] of this.deltaSent) if (sent.at < stale) this.deltaSent.delete(session);
  }

  private armTick(): NodeJS.Timeout {
    const due = performance.now() + this.deltaPeriod;
    return setTimeout(() => this.tick(due), this.deltaPeriod);
  }

  /**
   * A tick of the delta clock. Late by half its period or more, it finds the process behind: the period grows a
   * step (a quarter of deltaBatchMs) up to deltaMaxMs. Within a quarter of it, on time: the period shrinks a step.
   */
  private tick(due: number): void {
    const late = performance.now() - due;
    const step = Math.max(1, Math.round(this.deltaBatchMs / 4));
    if (late >= this.deltaPeriod / 2) this.deltaPeriod = Math.min(this.deltaMaxMs, this.deltaPeriod + step);
    else if (late < this.deltaPeriod / 4) this.deltaPeriod = Math.max(this.deltaBatchMs, this.deltaPeriod - step);
    this.flushDeltas();
  }

  /** The delta clock's period now (EVENT_DELTA_BATCH_MS, longer while the process is behind: see deltaMaxMs). */
  get deltaClockMs(): number {
    return this.deltaPeriod;
  }

  /** `now`: sent at once; the promise then settles once this process's streams have it (see publishDelta). */
  private append(input: PublishInput, now = false): Promise<void> | undefined {
    const { type, properties, ...routing } = input;
    const envelope = { ...routing, event: { id: newId('event'), type, properties } };
    const delivered = now ? this.awaitDelivery(envelope) : undefined;
    this.transport.append(envelope, now ? { now } : undefined).catch((err) => {
      // The shared log is down: local subscribers still get the event, other processes and replay do not.
      this.logger.warn({ err, type }, 'event append failed; delivered locally only');
      this.deliver({ ...envelope, seq: `0-${++this.localSeq}` });
    });
    return delivered;
  }

  /**
   * Settles after `envelope` was delivered here and the streams' writes of that turn went out (setImmediate runs
   * after the SSE writers' uncork, queued at delivery). Only when a subscriber of this process takes it.
   */
  private awaitDelivery(envelope: Omit<EventEnvelope, 'seq'>): Promise<void> | undefined {
    if (!this.reaches({ ...envelope, seq: '' })) return undefined;
    const id = envelope.event.id;
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.awaited.delete(id);
        setImmediate(resolve);
      };
      const timer = setTimeout(done, this.firstDeltaWaitMs);
      this.awaited.set(id, done);
    });
  }

  /** `route` narrows which events are offered to `filter` (see SubscriberRoute); without it, every event is. */
  subscribe(filter: (e: EventEnvelope) => boolean, handler: Handler, route?: SubscriberRoute): () => void {
    const entry = { filter, handler };
    const set = route ? this.routeSet(route) : this.unrouted;
    set.add(entry);
    this.subscribed++;
    return () => {
      if (!set.delete(entry)) return;
      this.subscribed--;
      if (route && !set.size) this.dropRouteSet(route);
    };
  }

  private routeSet(route: SubscriberRoute): Set<Entry> {
    let t = this.tenants.get(route.tenantId);
    if (!t) this.tenants.set(route.tenantId, (t = { wide: new Set(), bySession: new Map(), byOwner: new Map() }));
    const [map, key] = route.sessionId
      ? [t.bySession, route.sessionId]
      : route.ownerId
        ? [t.byOwner, route.ownerId]
        : [];
    if (!map || !key) return t.wide;
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    return set;
  }

  private dropRouteSet(route: SubscriberRoute): void {
    const t = this.tenants.get(route.tenantId);
    if (!t) return;
    if (route.sessionId) t.bySession.delete(route.sessionId);
    else if (route.ownerId) t.byOwner.delete(route.ownerId);
    if (!t.wide.size && !t.bySession.size && !t.byOwner.size) this.tenants.delete(route.tenantId);
  }

  /** Events after `cursor` that pass `filter`, oldest first. */
  async replay(cursor: string, filter: (e: EventEnvelope) => boolean, limit = 10_000): Promise<EventEnvelope[]> {
    const rows = await this.transport.since(cursor, limit);
    return rows.filter(filter);
  }

  /** Removes matching events from the replay window (every process reads the same window). */
  purge(match: (e: EventEnvelope) => boolean): Promise<number> {
    return this.transport.purge(match);
  }

  /** How many events of the replay window match (0 after a purge: the erasure report checks it). */
  async count(match: (e: EventEnvelope) => boolean): Promise<number> {
    return (await this.transport.since('0-0', 1_000_000)).filter(match).length;
  }

  /** Resolves with the first matching event (or undefined on timeout). */
  waitFor(filter: (e: EventEnvelope) => boolean, timeoutMs: number): Promise<EventEnvelope | undefined> {
    return new Promise((resolve) => {
      const off = this.subscribe(filter, (e) => {
        clearTimeout(timer);
        off();
        resolve(e);
      });
      const timer = setTimeout(() => {
        off();
        resolve(undefined);
      }, timeoutMs);
    });
  }

  get subscriberCount(): number {
    return this.subscribed;
  }

  /** Offers the event to the unrouted subscribers and to the routed ones whose route can match it. */
  private deliver(envelope: EventEnvelope): void {
    this.route(envelope, this.offer);
    if (this.awaited.size) this.awaited.get(envelope.event.id)?.();
  }

  /** Whether a subscriber of this process takes the event. */
  private reaches(envelope: EventEnvelope): boolean {
    let taken = false;
    this.route(envelope, (entries, e) => {
      for (const s of entries) if (s.filter(e)) return (taken = true);
      return false;
    });
    return taken;
  }

  /** Calls `visit` with each subscriber set whose route can match the event, until it returns true. */
  private route(envelope: EventEnvelope, visit: (entries: Set<Entry>, e: EventEnvelope) => boolean): void {
    if (visit(this.unrouted, envelope)) return;
    const t = this.tenants.get(envelope.tenantId);
    if (!t || visit(t.wide, envelope)) return;
    const session = envelope.sessionId ? t.bySession.get(envelope.sessionId) : undefined;
    if (session && visit(session, envelope)) return;
    if (envelope.ownerId) {
      const owner = t.byOwner.get(envelope.ownerId);
      if (owner) visit(owner, envelope);
    } else for (const set of t.byOwner.values()) if (visit(set, envelope)) return;
  }

  /** A property, not a method: `deliver` hands it to `route` for every event without a closure per event. */
  private readonly offer = (entries: Set<Entry>, envelope: EventEnvelope): false => {
    for (const s of entries) {
      if (!s.filter(envelope)) continue;
      try {
        s.handler(envelope);
      } catch (err) {
        this.logger.error({ err }, 'event subscriber failed');
      }
    }
    return false;
  };
}
