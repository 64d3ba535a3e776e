import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { newId } from '../../core/ids';
import { settlesWithin } from '../../core/lifecycle/settles-within';
import { LOGGER } from '../../core/logging/logger';
import { EVENT_TRANSPORT } from './event.tokens';
import type { EventEnvelope, EventTransport, PublishInput } from './event.types';

type Handler = (envelope: EventEnvelope) => void;

/**
 * Typed, tenant-scoped event bus (STYLE rule 12). Publishing appends to the transport (Redis stream or memory
 * ring); every process delivers what the transport yields to its local subscribers (SSE streams, waiters).
 */
@Injectable()
export class EventBus implements OnModuleInit, OnModuleDestroy {
  private readonly subscribers = new Set<{ filter: (e: EventEnvelope) => boolean; handler: Handler }>();
  private localSeq = 0;

  constructor(
    @Inject(EVENT_TRANSPORT) private readonly transport: EventTransport,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.transport.start((e) => this.deliver(e));
  }

  async onModuleDestroy(): Promise<void> {
    if (!(await settlesWithin(this.transport.stop(), 3000)))
      this.logger.warn('event transport did not stop within 3 s; going on');
    this.subscribers.clear();
  }

  /** Fire-and-forget; events from one process keep their order. */
  publish(input: PublishInput): void {
    const { type, properties, ...routing } = input;
    const envelope = { ...routing, event: { id: newId('event'), type, properties } };
    this.transport.append(envelope).catch((err) => {
      // The shared log is down: local subscribers still get the event, other processes and replay do not.
      this.logger.warn({ err, type }, 'event append failed; delivered locally only');
      this.deliver({ ...envelope, seq: `0-${++this.localSeq}` });
    });
  }

  subscribe(filter: (e: EventEnvelope) => boolean, handler: Handler): () => void {
    const entry = { filter, handler };
    this.subscribers.add(entry);
    return () => this.subscribers.delete(entry);
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
    return this.subscribers.size;
  }

  private deliver(envelope: EventEnvelope): void {
    for (const s of this.subscribers) {
      if (!s.filter(envelope)) continue;
      try {
        s.handler(envelope);
      } catch (err) {
        this.logger.error({ err }, 'event subscriber failed');
      }
    }
  }
}
